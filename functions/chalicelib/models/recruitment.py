"""党员发展: the people in the recruitment process (not yet members) and their timelines.

(Filled in by the recruitment area: see chalicelib/recruitment.py.)
"""

from __future__ import annotations
