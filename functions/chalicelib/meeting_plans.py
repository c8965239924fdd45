"""A unit's monthly list (组织生活一月一清单): what it must hold this month, who is responsible,
by when, and whether it was held.

The list is generated from the kinds' rules (`meeting_kinds.required(unit kind, month)`): one
`PlanItem` per required meeting (`min_count` of each kind), keyed `<YYYY-MM>#<kind>#<n>` and
written with a condition that it does not exist, so the monthly job and a first view may both
generate it, any number of times, and nothing is written twice or overwritten. Staff with manage
scope change the person responsible, the due date (within the requirement's period) and a note,
remove an item or add one (`source` "staff"); a removed item stays (so it is not generated again)
and can be restored.

An item's status is worked out when it is read, from the unit's meetings (Meeting `by-unit`, one
Query over the longest period on the list): held (已完成) when a locked meeting of its kind took
place in the kind's period — the n-th item of a kind by the n-th such meeting —, overdue (逾期)
past its due date and not held, else open (未完成).
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from . import clock, meeting_figures, meeting_kinds, registry, scope
from .errors import BadRequestError, ConflictError, NotFoundError
from .identifiers import is_client_key
from .meeting_kinds import Kind
from .models import Meeting, Member, OrgUnit, PlanItem, UnitMonth
from .models.base import condition_failed
from .models.registry import STAFF_KEY
from .scope import Caller

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PLAN_KEY = re.compile(r"^\d{4}-\d{2}#[a-z][a-z0-9_]{0,40}#[A-Za-z0-9_-]{1,70}$")
NOTE_MAX = 200
TITLE_MAX = 40
# Who answers for a unit's list by default, in this order of roles (the first found).
RESPONSIBLE_ROLES = {
    "branch": ("branch_secretary", "branch_committee"),
    "general_branch": ("general_branch_committee",),
    "committee": ("party_committee",),
    "group": ("admin",),
}
STATUS_LABELS = {"done": "已完成", "open": "未完成", "overdue": "逾期", "removed": "已移除"}


# --- months ------------------------------------------------------------------------------------


def parse_month(text: str | None, *, default: str | None = None) -> str:
    """A "YYYY-MM" month from a query parameter (the current month when absent)."""
    if text in (None, ""):
        return default or this_month()
    found = MONTH.match(text) if isinstance(text, str) else None
    if not found or not 2000 <= int(found[1]) <= 2100:
        raise BadRequestError("月份格式应为 YYYY-MM，如 2026-12")
    return text


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def this_month() -> str:
    return month_of(clock.today())


def shift(month: str, n: int) -> str:
    """The month n months after (before, n < 0) this one."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = shift(month, 1)
    return out


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def last_day(month: str) -> date:
    year, mm = int(month[:4]), int(month[5:7])
    return date(year, mm, calendar.monthrange(year, mm)[1])


def cn_month(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:7])}月"


# --- the person responsible -------------------------------------------------------------------


def staff() -> list[Member]:
    """Every active member with a role: the registry's staff partition (Member index
    `reminders`, key "staff"; a few per branch), never a Scan."""
    return [m for m in Member.reminders.query(STAFF_KEY) if m.active]


def default_responsible(
    unit: OrgUnit, members: Iterable[Member], branch_of: Callable[[str], OrgUnit | None]
) -> Member | None:
    """The unit's secretary (branch_secretary of that branch), else another of its staff whose
    role applies to the unit itself (a committee member of a branch, a general branch's
    committee member, …); None when it has none. `branch_of(branch_id)` gives a staff member's
    branch (asked only for units above a branch)."""
    wanted = RESPONSIBLE_ROLES.get(unit.kind, ())
    found: dict[str, list[Member]] = {role: [] for role in wanted}
    for member in members:
        for role in wanted:
            if role not in (member.roles or ()):
                continue
            if unit.kind == "branch":
                applies = member.branch_id == unit.unit_id
            else:
                branch = branch_of(member.branch_id)
                applies = branch is not None and scope.role_unit(
                    Caller(member.member_no, tuple(branch.path), tuple(branch.path_kinds),
                           tuple(member.roles)),
                    role,
                ) == unit.unit_id  # fmt: skip
            if applies:
                found[role].append(member)
    for role in wanted:
        if found[role]:
            return min(found[role], key=lambda m: m.member_no)
    return None


class Directory:
    """Staff and their branches read once (for a run of the monthly job over every unit, or for
    one list generated on its first view)."""

    def __init__(self, units: dict[str, OrgUnit] | None = None) -> None:
        self._staff: list[Member] | None = None
        self._units: dict[str, OrgUnit] = dict(units or {})
        self._fetched = units is not None

    def staff(self) -> list[Member]:
        if self._staff is None:
            self._staff = staff()
        return self._staff

    def branch_of(self, branch_id: str) -> OrgUnit | None:
        if branch_id not in self._units and not self._fetched:
            wanted = sorted({m.branch_id for m in self.staff()} - set(self._units))
            self._units.update({u.unit_id: u for u in OrgUnit.batch_get(wanted)})
            self._fetched = True
        return self._units.get(branch_id)

    def responsible(self, unit: OrgUnit) -> Member | None:
        return default_responsible(unit, self.staff(), self.branch_of)


# --- generating ------------------------------------------------------------------------------


def rule_key(month: str, kind: str, n: int) -> str:
    return f"{month}#{kind}#{n}"


def month_items(unit_id: str, month: str, *, consistent: bool = False) -> list[PlanItem]:
    return list(
        PlanItem.query(
            unit_id, PlanItem.plan_key.startswith(f"{month}#"), consistent_read=consistent
        )
    )


def _rule_items(unit: OrgUnit, month: str, have: set[str], person: Member | None) -> list[PlanItem]:
    """The rules' items of the month not in `have`, built (not written)."""
    now = clock.now()
    return [
        PlanItem(
            unit.unit_id,
            rule_key(month, kind.key, n),
            month=month,
            kind=kind.key,
            title=_title(kind, n),
            required=True,
            responsible=person.member_no if person else None,
            responsible_name=person.name if person else None,
            due=kind.due_date(month).isoformat(),
            source="rule",
            removed=False,
            updated_at=now,
        )
        for kind in meeting_kinds.required(unit.kind, month)
        for n in range(1, kind.min_count + 1)
        if rule_key(month, kind.key, n) not in have
    ]


def _missing(unit: OrgUnit, month: str, have: set[str]) -> bool:
    return any(
        rule_key(month, kind.key, n) not in have
        for kind in meeting_kinds.required(unit.kind, month)
        for n in range(1, kind.min_count + 1)
    )


def generate(unit: OrgUnit, month: str, directory: Directory | None = None) -> list[PlanItem]:
    """The unit's list for the month, generated where missing (idempotent: a conditional put per
    missing item; an item that exists, changed or removed by staff, is left as it is)."""
    items = month_items(unit.unit_id, month)
    have = {i.plan_key for i in items}
    if not _missing(unit, month, have):
        return items
    person = (directory or Directory()).responsible(unit)
    for item in _rule_items(unit, month, have, person):
        try:
            item.save(condition=PlanItem.plan_key.does_not_exist())
        except PutError as exc:
            if not condition_failed(exc):
                raise
            continue  # another writer generated it first: its item stands
    return month_items(unit.unit_id, month, consistent=True)


def generates(month: str, today: date) -> bool:
    """Whether a view may write the month's list: an open month (meeting_figures.open_months)
    or the next one. An older month's list is what was stored then; a read never writes it."""
    return month in meeting_figures.open_months(today) or month == shift(month_of(today), 1)


def _title(kind: Kind, n: int) -> str:
    period = {"monthly": "本月", "quarterly": "本季度", "yearly": "本年度"}[kind.frequency]
    suffix = f"（第{n}次）" if kind.min_count > 1 else ""
    return f"{period}{kind.label}{suffix}"


# --- status ------------------------------------------------------------------------------------


def _period_of(item: PlanItem) -> tuple[str, str]:
    kind = meeting_kinds.kinds().get(item.kind)
    return kind.period(item.month) if kind else (item.month, item.month)


def unit_meetings(unit_id: str, first: str, last: str) -> list[Meeting]:
    """The unit's meetings that start in the months first..last, oldest first (one Query)."""
    return list(Meeting.by_unit.query(unit_id, Meeting.unit_sort.between(f"{first}-", f"{last}-~")))


def statuses(items: list[PlanItem], meetings: list[Meeting], today: date) -> list[dict[str, Any]]:
    """Each item with its status and the meeting that fulfilled it: for each kind, its locked
    meetings in the kind's period in time order fulfil its items in order (the rule's first)."""
    locked: dict[str, list[Meeting]] = {}
    for m in sorted(meetings, key=lambda m: m.starts_at):
        if m.state == "locked":
            locked.setdefault(m.kind, []).append(m)
    upcoming: dict[str, list[Meeting]] = {}
    for m in sorted(meetings, key=lambda m: m.starts_at):
        if m.state == "scheduled":
            upcoming.setdefault(m.kind, []).append(m)
    used: set[str] = set()
    out: dict[str, dict[str, Any]] = {}
    ordered = sorted(items, key=_order)
    for item in ordered:
        first, last = _period_of(item)
        entry = _item_json(item)
        if item.removed:
            entry["status"] = "removed"
            out[item.plan_key] = entry
            continue
        held = next(
            (
                m
                for m in locked.get(item.kind, [])
                if m.meeting_id not in used and first <= m.month <= last
            ),
            None,
        )
        if held is not None:
            used.add(held.meeting_id)
            entry["status"] = "done"
            entry["meeting"] = _meeting_json(held)
        else:
            entry["status"] = "overdue" if today > date.fromisoformat(item.due) else "open"
            planned = next(
                (m for m in upcoming.get(item.kind, []) if first <= m.month <= last), None
            )
            entry["meeting"] = _meeting_json(planned) if planned else None
        out[item.plan_key] = entry
    return [out[i.plan_key] for i in ordered]


def _order(item: PlanItem) -> tuple[int, str, int, str]:
    kinds = list(meeting_kinds.kinds())
    position = kinds.index(item.kind) if item.kind in kinds else len(kinds)
    return (position, item.due, 0 if item.source == "rule" else 1, item.plan_key)


def _item_json(item: PlanItem) -> dict[str, Any]:
    kind = meeting_kinds.kinds().get(item.kind)
    return {
        "plan_key": item.plan_key,
        "ref": url_key(item.plan_key),
        "kind": item.kind,
        "kind_label": kind.label if kind else item.kind,
        "group": kind.group if kind else "",
        "title": item.title,
        "responsible": item.responsible,
        "responsible_name": item.responsible_name,
        "due": item.due,
        "note": item.note,
        "source": item.source,
        "removed": bool(item.removed),
        "meeting": None,
    }


def _meeting_json(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.meeting_id,
        "topic": m.topic,
        "starts_at": m.starts_at,
        "state": m.state,
        "url": f"/meeting-record.html?id={m.meeting_id}",
    }


def refresh_figures(unit: OrgUnit, month: str, meetings: list[Meeting]) -> bool:
    """The unit's month row (UnitMonth) brought up to date from its meetings just read (they
    cover every requirement's period), while the row is computed (meeting_figures.is_live: the
    month open, or a requirement on it still within its period): a record locked today shows in
    the superiors' table without waiting for the night's check. One read of the row; a write
    only when a figure changed. Whether it wrote."""
    today = clock.today()
    if not meeting_figures.is_live(unit.kind, month, today):
        return False
    counts = Counter((m.unit_id, m.kind, m.month) for m in meetings if m.state == "locked")

    def held(unit_id: str, kind: str, months: list[str]) -> int:
        return sum(counts[(unit_id, kind, m)] for m in months)

    new = meeting_figures.figures(unit, month, held, today)
    try:
        row: UnitMonth | None = UnitMonth.get(unit.unit_id, month)
    except UnitMonth.DoesNotExist:
        row = None
    if meeting_figures.stored(row) == new:
        return False
    meeting_figures.write(unit.unit_id, month, new)
    return True


def _required_span(unit: OrgUnit, month: str) -> tuple[str, str]:
    """The first and last month of the periods the month's requirements cover."""
    periods = [k.period(month) for k in meeting_kinds.required(unit.kind, month)]
    return min((p[0] for p in periods), default=month), max((p[1] for p in periods), default=month)


def refresh_after_lock(unit_id: str, month: str) -> bool:
    """A record of the month was just locked: the unit's rows it counts in now (its month's, and
    an earlier month's whose quarterly or yearly requirement covers it, while still computed),
    so the superiors' table shows them at once (the unit, its rows, one Query of its meetings).
    Whether it wrote."""
    today = clock.today()
    try:
        unit = OrgUnit.get(unit_id)
    except OrgUnit.DoesNotExist:
        return False
    rows = [
        m
        for m in meeting_figures.live_months(today, [unit.kind])
        if m == month or _required_span(unit, m)[0] <= month <= _required_span(unit, m)[1]
    ]
    if not rows:
        return False
    spans = [_required_span(unit, m) for m in rows]
    meetings = unit_meetings(unit_id, min(s[0] for s in spans), max(s[1] for s in spans))
    wrote = [refresh_figures(unit, m, meetings) for m in rows]
    return any(wrote)


# --- the routes' work --------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    unit: OrgUnit
    access: scope.Access


def _unit(caller: Caller, unit_id: str, need: scope.Access) -> UnitRef:
    """The unit if the caller's access reaches `need`; an unknown unit is refused like one out
    of scope (the same 403), so nobody learns which ids exist."""
    try:
        unit = registry.get_unit(unit_id)
    except NotFoundError:
        scope.require_unit(caller, (), need)
        raise
    scope.require_unit(caller, unit.path, need)
    return UnitRef(unit, scope.unit_access(caller, unit.path))


def _latest_month() -> str:
    return shift(this_month(), 1)


def view(caller: Caller, unit_id: str, month_text: str | None) -> dict[str, Any]:
    """GET /units/{id}/plan?month=: the list with each item's status. An open month's (or the
    next one's) is generated where missing; an older month shows what is stored, or when
    nothing was, the rules' list worked out without writing (`preview`: true, not editable)."""
    ref = _unit(caller, unit_id, "read")
    month = parse_month(month_text)
    if month > _latest_month():
        raise BadRequestError("只能查看下个月及以前的清单")
    if generates(month, clock.today()):
        return _view_json(ref, month, generate(ref.unit, month))
    items = month_items(ref.unit.unit_id, month)
    if items:
        return _view_json(ref, month, items)
    person = Directory().responsible(ref.unit)
    body = _view_json(ref, month, _rule_items(ref.unit, month, set(), person))
    body.update(preview=True, may_manage=False)
    return body


def _view_json(ref: UnitRef, month: str, items: list[PlanItem]) -> dict[str, Any]:
    spans = [_period_of(i) for i in items] + [_required_span(ref.unit, month)]
    first, last = min(s[0] for s in spans), max(s[1] for s in spans)
    meetings = unit_meetings(ref.unit.unit_id, first, last) if items else []
    if items:
        refresh_figures(ref.unit, month, meetings)
    unit = ref.unit
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "month": month,
        "month_label": cn_month(month),
        "today": clock.today().isoformat(),
        "prev": shift(month, -1),
        "next": shift(month, 1) if month < _latest_month() else None,
        "may_manage": ref.access == "manage",
        "preview": False,
        "kinds": [{"key": k.key, "label": k.label} for k in meeting_kinds.held_by(unit.kind)],
        "items": statuses(items, meetings, clock.today()),
    }


def url_key(plan_key: str) -> str:
    """The plan key as it goes in a URL path: "~" for "#" (which a URL cannot carry)."""
    return plan_key.replace("#", "~")


def _get_item(unit_id: str, plan_key: str) -> PlanItem:
    plan_key = (plan_key or "").replace("~", "#")
    if not PLAN_KEY.match(plan_key):
        raise NotFoundError("清单中没有这一项")
    try:
        return PlanItem.get(unit_id, plan_key, consistent_read=True)
    except PlanItem.DoesNotExist:
        raise NotFoundError("清单中没有这一项") from None


def _check_due(text: Any, lo: date, hi: date) -> str:
    try:
        day = date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise BadRequestError("截止日期格式应为 YYYY-MM-DD")
    if not lo <= day <= hi:
        raise BadRequestError(f"截止日期须在 {lo.isoformat()} 至 {hi.isoformat()} 之间")
    return day.isoformat()


RESPONSIBLE_REFUSED = "负责人须为本组织（含下级组织）在册的党员（请填写党员编号）"


def _check_responsible(unit: OrgUnit, member_no: Any) -> Member:
    """One answer for an unknown number and a member elsewhere: nobody learns who exists."""
    member = registry.get_member(member_no) if isinstance(member_no, str) else None
    if member is None or not member.active:
        raise BadRequestError(RESPONSIBLE_REFUSED)
    try:
        branch = registry.get_unit(member.branch_id)
    except NotFoundError:
        raise BadRequestError(RESPONSIBLE_REFUSED) from None
    if unit.unit_id not in branch.path:
        raise BadRequestError(RESPONSIBLE_REFUSED)
    return member


def _check_note(text: Any) -> str | None:
    if not isinstance(text, str):
        raise BadRequestError("备注须为文字")
    text = text.strip()
    if len(text) > NOTE_MAX:
        raise BadRequestError(f"备注最多 {NOTE_MAX} 字")
    return text or None


def update(caller: Caller, unit_id: str, plan_key: str, body: dict[str, Any]) -> dict[str, Any]:
    """PUT /units/{id}/plan/{plan_key}: responsible, due, note, removed — every field checked
    before anything is written, then one conditional update."""
    ref = _unit(caller, unit_id, "manage")
    item = _get_item(ref.unit.unit_id, plan_key)
    if not body:
        raise BadRequestError("没有要修改的内容")
    if item.month < min(meeting_figures.open_months(clock.today())):
        # A closed month's list stands, as its figures do (meeting_figures.CLOSE_DAYS).
        raise BadRequestError(f"{cn_month(item.month)}已结束，清单不能再调整")
    first, last = _period_of(item)
    actions = []
    if "responsible" in body:
        person = _check_responsible(ref.unit, body["responsible"])
        actions += [
            PlanItem.responsible.set(person.member_no),
            PlanItem.responsible_name.set(person.name),
        ]
    if "due" in body:
        lo = first_day(first if item.source == "rule" else item.month)
        hi = last_day(last if item.source == "rule" else item.month)
        actions.append(PlanItem.due.set(_check_due(body["due"], lo, hi)))
    if "note" in body:
        note = _check_note(body["note"])
        actions.append(PlanItem.note.set(note) if note else PlanItem.note.remove())
    if "removed" in body:
        actions.append(PlanItem.removed.set(bool(body["removed"])))
    actions += [PlanItem.updated_by.set(caller.member_no), PlanItem.updated_at.set(clock.now())]
    try:
        item.update(actions=actions, condition=PlanItem.plan_key.exists())
    except UpdateError as exc:
        if condition_failed(exc):
            raise NotFoundError("清单中没有这一项") from None
        raise
    return _view_json(ref, item.month, month_items(unit_id, item.month, consistent=True))


def add(caller: Caller, unit_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /units/{id}/plan: an extra item (source "staff") of a kind the unit may hold, due in
    the month. `request` (the page's request id) names it: a retried request adds nothing."""
    ref = _unit(caller, unit_id, "manage")
    month = parse_month(body["month"])
    if month < this_month() or month > _latest_month():
        raise BadRequestError("只能为本月或下个月的清单增加事项")
    held = {k.key: k for k in meeting_kinds.held_by(ref.unit.kind)}
    kind = held.get(body["kind"])
    if kind is None:
        names = "、".join(k.label for k in held.values()) or "无"
        raise BadRequestError(f"本组织不能召开这类会议（可选：{names}）")
    if not is_client_key(body["request"]):
        raise BadRequestError("请求编号无效，请刷新页面后重试")
    title = (body.get("title") or "").strip() or kind.label
    if len(title) > TITLE_MAX:
        raise BadRequestError(f"事项名称最多 {TITLE_MAX} 字")
    due = _check_due(body.get("due") or last_day(month).isoformat(), first_day(month),
                     last_day(month))  # fmt: skip
    person = _check_responsible(ref.unit, body["responsible"]) if body.get("responsible") else None
    note = _check_note(body["note"]) if "note" in body else None
    item = PlanItem(
        unit_id,
        f"{month}#{kind.key}#s-{body['request']}",
        month=month,
        kind=kind.key,
        title=title,
        required=False,
        responsible=person.member_no if person else None,
        responsible_name=person.name if person else None,
        due=due,
        note=note,
        source="staff",
        removed=False,
        updated_by=caller.member_no,
        updated_at=clock.now(),
    )
    try:
        item.save(condition=PlanItem.plan_key.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        existing = PlanItem.get(unit_id, item.plan_key, consistent_read=True)
        if existing.kind != item.kind:
            raise ConflictError("请求编号已用于另一事项，请刷新页面后重试") from None
    return _view_json(ref, month, month_items(unit_id, month, consistent=True))


# --- a superior's view of the subtree (the monthly check's rows) ------------------------------


def _tree_prefix(unit: OrgUnit) -> str:
    return "/".join(unit.path) + "/"


def _row_json(row: UnitMonth) -> dict[str, Any]:
    raw = row.by_kind.as_dict() if row.by_kind is not None else {}
    by_kind = {
        key: {"held": int(value.get("held", 0)), "required": int(value.get("required", 0))}
        for key, value in raw.items()
    }
    labels = {k.key: k.label for k in meeting_kinds.kinds().values()}
    return {
        "unit_id": row.unit_id,
        "name": row.unit_name,
        "kind": row.unit_kind,
        "depth": len(row.unit_path or []),
        "month": row.month,
        "by_kind": by_kind,
        "done": bool(row.done) if row.by_kind is not None else False,
        "overdue": [{"kind": k, "label": labels.get(k, k)} for k in row.overdue or []],
        "warned": row.warned_at is not None,
        "warned_at": row.warned_at,
        "computed_at": row.computed_at,
    }


def _child_orders(parents: Iterable[str]) -> dict[str, int]:
    """The display order (OrgUnit.sort_order) of the children of these units: one Query of
    OrgUnit `by-parent` each (a subtree has few units with children; a Query is charged by the
    size read, not per item as a batch read would be)."""
    return {
        child.unit_id: int(child.sort_order or 0)
        for parent in sorted(set(parents))
        for child in OrgUnit.children.query(parent)
    }


def _subtree_rows(unit: OrgUnit, *months: str) -> dict[str, list[dict[str, Any]]]:
    """The subtree's rows of each month (one Query each), in the tree's display order: each unit
    after its parent, siblings by their sort_order (then id), as the registry shows them (the
    rows' key is the path of ids, which is not that order); the orders read once for all."""
    prefix = _tree_prefix(unit)
    found = {m: list(UnitMonth.tree_month.query(m, UnitMonth.tree_sort.startswith(prefix)))
             for m in months}  # fmt: skip
    top = len(unit.path) - 1  # the path above and at the unit is every row's
    parents = {p for rows in found.values() for r in rows for p in (r.unit_path or [])[top:-1]}
    orders = _child_orders(parents)

    def key(row: UnitMonth) -> list[tuple[int, str]]:
        return [(orders.get(i, 0), i) for i in (row.unit_path or [row.unit_id])[top + 1 :]]

    return {m: [_row_json(r) for r in sorted(rows, key=key)] for m, rows in found.items()}


def month_view(caller: Caller, unit_id: str, month_text: str | None) -> dict[str, Any]:
    """GET /units/{id}/month?month=: the subtree's figures (one Query of UnitMonth `by-month`
    with the unit's path prefix)."""
    ref = _unit(caller, unit_id, "read")
    month = parse_month(month_text)
    if month > this_month():
        raise BadRequestError("只能查看本月及以前的统计")
    rows = _subtree_rows(ref.unit, month)[month]
    used = {k for r in rows for k, v in r["by_kind"].items() if v["held"] or v["required"]}
    kinds = [{"key": k.key, "label": k.label} for k in meeting_kinds.kinds().values()
             if k.key in used]  # fmt: skip
    branches = [r for r in rows if any(v["required"] for v in r["by_kind"].values())]
    return {
        "unit": {"id": ref.unit.unit_id, "name": ref.unit.name, "kind": ref.unit.kind},
        "month": month,
        "month_label": cn_month(month),
        "prev": shift(month, -1),
        "next": shift(month, 1) if month < this_month() else None,
        "kinds": kinds,
        "rows": rows,
        "summary": {
            "units": len(branches),
            "done": sum(1 for r in branches if r["done"]),
            "overdue": sum(1 for r in branches if r["overdue"]),
            "warned": sum(1 for r in rows if r["warned"]),  # a warned row may be all it has
        },
        "computed_at": max((r["computed_at"] or 0 for r in rows), default=None),
    }


def _overdue_months(today: date) -> list[str]:
    """This month, the previous one, and an earlier month (a year back at most) whose quarterly
    or yearly requirement fell due since the previous month began (its plan_month before its
    period's last), newest first."""
    current = month_of(today)
    since = first_day(shift(current, -1))
    kinds = meeting_kinds.kinds().values()
    older = [
        month
        for month in (shift(current, -n) for n in range(2, 13))
        if any(k.planned_in(month) and k.due_date(month) >= since for k in kinds)
    ]
    return [current, shift(current, -1), *older]


def overdue_view(caller: Caller, unit_id: str) -> dict[str, Any]:
    """GET /units/{id}/overdue: every unit of the subtree with overdue requirements in the
    current or the previous month, or fallen due since the previous month began (one Query of
    each such month's rows)."""
    ref = _unit(caller, unit_id, "read")
    months = _overdue_months(clock.today())
    since = first_day(months[1]).isoformat()
    kinds = meeting_kinds.kinds()
    out = []
    for month, rows in _subtree_rows(ref.unit, *months).items():
        for row in rows:
            for entry in row["overdue"]:
                kind = kinds.get(entry["kind"])
                entry["due"] = kind.due_date(month).isoformat() if kind else None
            if month < months[1]:  # an older month: only what fell due lately
                row["overdue"] = [e for e in row["overdue"] if e["due"] and e["due"] >= since]
            if row["overdue"]:
                out.append(row)
    return {
        "unit": {"id": ref.unit.unit_id, "name": ref.unit.name, "kind": ref.unit.kind},
        "months": months,
        "units": out,
    }
