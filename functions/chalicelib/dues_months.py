"""党费收缴's scheduled work (the hourly reminders function runs it; never on a request path).

- `open_due`: open the current month once for every active member (the org units whole, each
  branch's members by index — no Scan of the members; one marker per month, so each later hour
  costs one read). A month opened late is opened by the first payment or view that needs it.
- `unpaid_for_reminder`: the members with an unpaid amount for a month, for the `dues_unpaid`
  reminder (audiences.py), each at most once a month.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist

from . import clock
from .dues_collection import current_month, open_member_month
from .models import Member, OrgUnit
from .models.base import condition_failed
from .models.dues_collection import DuesMonth, DuesRun


def _branches() -> list[OrgUnit]:
    return [u for u in OrgUnit.scan() if u.kind == "branch"]


def open_month(month: str, *, missing_only: bool = False) -> int:
    """Open `month` for every active member of every branch (the org units whole, each branch's
    members by index — no Scan of the members). Idempotent. `missing_only`: leave the rows
    already there as they are (members added since the month was opened get theirs)."""
    have = {r.member_no for r in DuesMonth.by_month.query(month)} if missing_only else set()
    opened = 0
    for branch in _branches():
        for member in Member.by_branch.query(branch.unit_id):
            if member.active and member.member_no not in have:
                open_member_month(member, list(branch.path), month)
                opened += 1
    return opened


def open_due() -> dict[str, Any]:
    """The hourly step: open the current month once (a marker per month; afterwards one read)."""
    month = current_month()
    try:
        DuesRun.get(month, consistent_read=True)
        return {"month": month, "opened": 0, "done_before": True}
    except DoesNotExist:
        pass
    opened = open_month(month)
    DuesRun(month, finished_at=clock.now(), opened=opened).save()
    return {"month": month, "opened": opened, "done_before": False}


def unpaid_for_reminder(month: str, day: str, *, dry_run: bool = False) -> Iterator[dict[str, Any]]:
    """Members with an unpaid amount for `month`, each at most once a month: her row marked
    `reminded_on` (the first day that reminded her; a repeated run that day finds her again,
    the outbox's event key keeps it to one message), later days skip her."""
    if not dry_run:  # members added since the month was opened owe it too
        open_month(month, missing_only=True)
    rows = [
        r
        for r in DuesMonth.by_month.query(month)
        if r.expected_fen and int(r.paid_fen or 0) < int(r.expected_fen)
    ]
    numbers = sorted({r.member_no for r in rows})
    active: set[str] = set()
    for i in range(0, len(numbers), 100):
        active |= {m.member_no for m in Member.batch_get(numbers[i : i + 100]) if m.active}
    for r in sorted(rows, key=lambda r: r.member_no):
        if r.member_no not in active:
            continue
        if not dry_run:
            row = DuesMonth(r.member_no, month)
            try:
                row.update(
                    actions=[DuesMonth.reminded_on.set(day)],
                    condition=(DuesMonth.reminded_on.does_not_exist())
                    | (DuesMonth.reminded_on == day),
                )
            except Exception as exc:
                if condition_failed(exc):  # reminded on an earlier day this month
                    continue
                raise
        yield {
            "member_no": r.member_no,
            "name": r.name,
            "lacking_fen": int(r.expected_fen) - int(r.paid_fen or 0),
        }
