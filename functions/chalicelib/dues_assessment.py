"""党费核定 on the request path: the assessment in force for a month.

The computation from the brackets (dues_rules.py) and the finance import (tools/) write
`DuesAssessment` items; this module reads them.
"""

from __future__ import annotations

from .models.dues import DuesAssessment


def in_force(member_no: str, month: str) -> DuesAssessment | None:
    """The assessment that sets her dues for `month` ("YYYY-MM"), or None (never assessed):
    the newest one in force from that month or earlier, one Query."""
    for item in DuesAssessment.query(
        member_no,
        DuesAssessment.effective_from <= month,
        scan_index_forward=False,
        limit=1,
        consistent_read=True,
    ):
        return item
    return None
