"""Meetings written straight through the model, as the meeting creation and the record's lock
(other modules) leave them: state "locked" is held and recorded."""

from __future__ import annotations

import itertools

from chalicelib.models import Meeting, OrgUnit

_ids = itertools.count(1)


def make_meeting(unit: OrgUnit, kind: str, starts_at: str, state: str = "locked") -> Meeting:
    """`starts_at` in Beijing time, "2026-12-05T09:00"."""
    mid = f"mt_test{next(_ids):06d}"
    start = f"{starts_at}:00+08:00"
    meeting = Meeting(
        mid,
        unit_id=unit.unit_id,
        unit_path=list(unit.path),
        unit_name=unit.name,
        kind=kind,
        topic=f"{kind} 测试",
        starts_at=start,
        ends_at=start,
        month=starts_at[:7],
        organiser="20000001",
        state=state,
        checkin_secret="s" * 32,
        created_at=0,
        updated_at=0,
        unit_sort=f"{start}#{mid}",
        tree_sort=f"{'/'.join(unit.path)}/#{start}#{mid}",
        locked_at=1 if state == "locked" else None,
    )
    meeting.save()
    return meeting
