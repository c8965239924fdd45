"""党费收缴: each month's expected dues per member, the payments recorded, the arrears.

(Filled in by the collection area: see chalicelib/dues_collection.py.)
"""

from __future__ import annotations
