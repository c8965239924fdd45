"""组织关系转接: transfers between branches and in from / out to other organisations.

(Filled in by the transfers area: see chalicelib/transfers.py.)
"""

from __future__ import annotations
