"""季度检查 (quarterly inspection) and its 通报, seed 003: a superior opens a checklist for units
below it for a quarter, scores each item of each unit with a comment, and publishes a bulletin
the units read.

Who (through `scope.py`, here and never in the handlers):
- opening: a unit where one of the caller's manage roles applies (`scope.grants`), of kind
  committee, general branch or group — never a branch; the inspected units are in its subtree
  below it (its children by default), never itself, beside or above;
- scoring and publishing: manage access over the inspecting unit (its staff, and staff above);
  reading the grid and its XLSX: read access over it (supervisors above read);
- the 通报, once published: everyone with access to the inspecting unit reads every unit's
  comments; the staff and members of an inspected unit (the unit on their branch's path) and
  staff over it read the summary, every unit's total, rank and grade, and the item scores and
  comments of their own unit only. Anyone else: the same 403 as for an unknown id.

Publishing is once and for good: the scores are locked (`published_at` on each unit's row is
the condition of every score), and there is no republish. A 通报 is an official document that
goes to the units and the 党委会 (seed 003: 每次考核检查结果均上党委会审议); a correction is a new
inspection of the same quarter (titled 更正…), and the first stays as issued.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

from pynamodb.exceptions import UpdateError

from . import clock, outbox, registry, scope, text_chars
from .errors import BadRequestError, ConflictError, ForbiddenError
from .identifiers import is_client_key, is_unit_id
from .inspection_checklist import Checklist, checklist, points, tenths
from .models import Member, OrgUnit
from .models.base import Transaction, TransactionCancelled, condition_failed
from .models.inspections import Inspection
from .models.registry import STAFF_KEY
from .org import ROLES
from .scope import Caller
from .settings import get_settings

HEAD = "head"
MAX_UNITS = 50  # the open and publish transactions: the head + one row per unit (≤ 100)
TITLE_MIN, TITLE_MAX = 4, 40
SUMMARY_MIN, SUMMARY_MAX = 10, 2000
NOT_FOUND = "检查不存在或您无权查看"
BULLETIN_NOT_FOUND = "通报不存在或您无权查看"
NO_OWNER = "只有党委、党总支的管理人员可以组织季度检查"
LOCKED = "该检查已发布通报，评分已锁定，不能再修改"
CHANGED = "该项评分刚刚已被他人修改，请刷新后查看再评"
ALREADY = "该检查已发布通报，不能再次发布或修改；如需更正，请另行组织一次检查"
RESCORED = "发布前评分又有变动，请刷新核对后再发布"
OWNER_KINDS = ("group", "committee", "general_branch")
QUARTER = re.compile(r"(\d{4})-Q([1-4])")
CN_QUARTERS = "一二三四"


# --- small pieces -----------------------------------------------------------------------------


def quarter_label(quarter: str) -> str:
    return f"{quarter[:4]}年第{CN_QUARTERS[int(quarter[-1]) - 1]}季度"


def current_quarter() -> str:
    today = clock.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def parse_quarter(value: Any) -> str:
    """YYYY-Qn, from 2000 to the current quarter (Beijing): a quarter is inspected once it began."""
    if not isinstance(value, str) or not QUARTER.fullmatch(value):
        raise BadRequestError("检查季度（quarter）须写成 2026-Q4 的形式")
    if int(value[:4]) < 2000:
        raise BadRequestError("检查季度（quarter）不能早于 2000 年")
    if value > current_quarter():
        raise BadRequestError("检查季度（quarter）不能晚于本季度")
    return value


def clean_text(
    value: Any, label: str, low: int, high: int, *, required: bool = True, newlines: bool = True
) -> str | None:
    """A plain-text field (title, comment, summary): the project's one character check
    (`text_chars.problem`), at most `high` characters, and at least `low` letters or digits —
    punctuation and blanks alone say nothing (「。。。」 is no reason for a deduction)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequestError(f"请填写{label}")
        return None
    if not isinstance(value, str):
        raise BadRequestError(f"{label}须为文字")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    problem = text_chars.problem(text, newlines=newlines)
    if problem:
        raise BadRequestError(f"{label}{problem}")
    if len(text) > high:
        raise BadRequestError(f"{label}须为 {low}–{high} 字（现在 {len(text)} 字）")
    said = sum(1 for c in text if unicodedata.category(c)[0] in "LN")
    if said < low:
        raise BadRequestError(f"{label}须写明内容，至少 {low} 个文字（标点、空格不计）")
    return text


def inspection_id_for(owner: str, request_key: str) -> str:
    return "in_" + hashlib.sha256(f"{owner}\n{request_key}".encode()).hexdigest()[:24]


def _valid_id(inspection_id: Any) -> bool:
    return (
        isinstance(inspection_id, str)
        and inspection_id.startswith("in_")
        and len(inspection_id) == 27
        and all(c in "0123456789abcdef" for c in inspection_id[3:])
    )


def _head(inspection_id: Any, message: str = NOT_FOUND) -> Inspection:
    if not _valid_id(inspection_id):
        raise ForbiddenError(message)
    try:
        return Inspection.get(inspection_id, HEAD, consistent_read=True)
    except Inspection.DoesNotExist:
        raise ForbiddenError(message) from None


def _rows(inspection_id: str) -> dict[str, Inspection]:
    """The unit rows of an inspection by unit (one Query)."""
    return {
        str(r.unit_id): r
        for r in Inspection.query(
            inspection_id, Inspection.part.startswith("unit#"), consistent_read=True
        )
    }


def _ordered(head: Inspection, rows: dict[str, Inspection]) -> list[Inspection]:
    return [rows[u] for u in head.unit_ids or () if u in rows]


def _list_of(head: Inspection) -> Checklist:
    return Checklist.from_dict(json.loads(head.checklist or "{}"))


class Paths(dict[str, list[str]]):
    """Unit id → its current registry path; `names`: unit id → its current name."""

    names: dict[str, str]


def _paths(head: Inspection, units: list[str] | None = None) -> Paths:
    """The CURRENT registry paths of the inspecting unit and the inspected units (one BatchGet):
    every access is decided on them, so a unit that moved answers to its new superiors at once.
    The paths stored when the inspection was opened (`owner_path`, `unit_path`) are history;
    a unit gone from the registry keeps its last stored path. `units`: only these inspected
    units (a score reads the owner and its one unit)."""
    wanted = sorted({str(head.owner_unit), *(head.unit_ids or () if units is None else units)})
    units = list(OrgUnit.batch_get(wanted))
    found = Paths({u.unit_id: list(u.path) for u in units})
    found.names = {u.unit_id: u.name for u in units}
    found.setdefault(str(head.owner_unit), list(head.owner_path or ()))
    return found


def _unit_path(paths: Paths, row: Inspection) -> list[str]:
    return paths.get(str(row.unit_id)) or list(row.unit_path or ())


def _access(caller: Caller, head: Inspection, paths: Paths) -> scope.Access:
    return scope.unit_access(caller, paths[str(head.owner_unit)])


def _require(
    caller: Caller, head: Inspection, need: scope.Access, units: list[str] | None = None
) -> Paths:
    paths = _paths(head, units)
    access = _access(caller, head, paths)
    if access == "none":
        raise ForbiddenError(NOT_FOUND)
    if need == "manage" and access != "manage":
        raise ForbiddenError("只有组织检查的单位及其上级的管理人员可以评分、发布")
    return paths


def _moved_away(head: Inspection, paths: Paths) -> list[str]:
    """The inspected units no longer below the inspecting unit in the registry."""
    return [u for u in head.unit_ids or () if str(head.owner_unit) not in paths.get(u, ())[:-1]]


def _cell(raw: Any) -> dict[str, Any]:
    data = raw.as_dict() if hasattr(raw, "as_dict") else dict(raw)
    return {
        "score": points(int(data["s"])),
        "comment": data.get("c") or "",
        "version": int(data["v"]),
        "by_name": data.get("bn") or "",
        "at": int(data.get("at") or 0),
    }


def _cells(row: Inspection) -> dict[str, dict[str, Any]]:
    raw = row.cells.as_dict() if row.cells is not None else {}
    return {key: _cell(value) for key, value in raw.items()}


def _total(row: Inspection) -> int:
    raw = row.cells.as_dict() if row.cells is not None else {}
    return sum(int(v["s"]) for v in raw.values())


# --- who may open, and over what --------------------------------------------------------------


def _subtree(unit: OrgUnit) -> list[OrgUnit]:
    """Every unit below `unit` (not itself) in tree order, each parent before its children: one
    Query per unit with children (the tree is at most 4 deep)."""
    out: list[OrgUnit] = []
    kids = sorted(OrgUnit.children.query(unit.unit_id), key=lambda u: (u.sort_order, u.unit_id))
    for kid in kids:
        out.append(kid)
        if kid.kind != "branch":
            out += _subtree(kid)
    return out


def owner_units(caller: Caller) -> list[str]:
    """The units the caller may inspect as: where one of her manage roles applies, above a
    branch (a committee, a general branch, the group)."""
    kinds = dict(zip(caller.path, caller.path_kinds, strict=True))
    return [
        unit_id
        for unit_id, grant in scope.grants(caller).items()
        if grant == "manage" and kinds.get(unit_id) in OWNER_KINDS
    ]


def options(caller: Caller) -> list[dict[str, Any]]:
    out = []
    for unit_id in owner_units(caller):
        unit = registry.get_unit(unit_id)
        below = _subtree(unit)
        out.append(
            {
                "id": unit.unit_id,
                "name": unit.name,
                "kind": unit.kind,
                "below": [
                    {
                        "id": u.unit_id,
                        "name": u.name,
                        "kind": u.kind,
                        "parent": u.parent_id,
                        "depth": len(u.path) - len(unit.path),
                        "default": u.parent_id == unit.unit_id,
                    }
                    for u in below
                ],
            }
        )
    return out


def _summary_row(head: Inspection) -> dict[str, Any]:
    return {
        "id": head.inspection_id,
        "title": head.title,
        "quarter": head.quarter,
        "quarter_label": quarter_label(head.quarter),
        "owner": {"id": head.owner_unit, "name": head.owner_name},
        "state": head.state,
        "units": int(head.unit_count or 0),
        "published_at": int(head.published_at) if head.published_at else None,
    }


def listing(caller: Caller, unit_id: str | None) -> dict[str, Any]:
    """The console's list: the inspections of the units she inspects as (or of `unit_id`, a
    unit she may read: supervisors follow their units' inspections), newest quarter first."""
    mine = owner_units(caller)
    if unit_id is not None:
        if not is_unit_id(unit_id):
            raise ForbiddenError(NOT_FOUND)
        try:
            unit = OrgUnit.get(unit_id)
        except OrgUnit.DoesNotExist:
            raise ForbiddenError(NOT_FOUND) from None
        if scope.unit_access(caller, list(unit.path)) == "none":
            raise ForbiddenError(NOT_FOUND)
        owners = [unit_id]
    elif mine:
        owners = mine
    else:
        raise ForbiddenError(NO_OWNER)
    found = []
    for owner in owners:
        found += [
            {**_summary_row(h), "owner": {"id": owner, "name": h.owner_name}}
            for h in Inspection.by_owner.query(owner, scan_index_forward=False)
        ]
    return {"owners": options(caller), "inspections": found}


# --- opening ----------------------------------------------------------------------------------


def _targets(owner: OrgUnit, value: Any) -> list[OrgUnit]:
    below = _subtree(owner)
    if value is None:
        chosen = [u for u in below if u.parent_id == owner.unit_id]
        if not chosen:
            raise BadRequestError("检查对象（units）：本单位没有下级组织")
        return chosen
    if not isinstance(value, list) or not value:
        raise BadRequestError("检查对象（units）须为至少一个组织编号的数组")
    if len(value) > MAX_UNITS:
        raise BadRequestError(f"检查对象（units）一次至多 {MAX_UNITS} 个组织")
    by_id = {u.unit_id: u for u in below}
    out: list[OrgUnit] = []
    for unit_id in value:
        if not isinstance(unit_id, str) or unit_id not in by_id:
            # Unknown, the inspecting unit itself, beside or above: one answer for all.
            raise BadRequestError("检查对象（units）只能是本单位的下级组织")
        if by_id[unit_id] in out:
            raise BadRequestError(f"检查对象（units）重复：{by_id[unit_id].name}")
        out.append(by_id[unit_id])
    return sorted(out, key=lambda u: below.index(u))


def open_inspection(
    caller: Caller, member: Member, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    owner_id = body.get("unit_id")
    if owner_id not in owner_units(caller):
        raise ForbiddenError(NO_OWNER)
    quarter = parse_quarter(body.get("quarter"))
    key = body.get("request_key")
    if not is_client_key(key):
        raise BadRequestError("请求编号（request_key）须为 8–64 位字母、数字、-、_")
    title = clean_text(
        body.get("title") or f"{quarter_label(quarter)}党建工作检查",
        "检查名称（title）", TITLE_MIN, TITLE_MAX, newlines=False,
    )  # fmt: skip
    owner = registry.get_unit(owner_id)
    targets = _targets(owner, body.get("units"))
    iid = inspection_id_for(owner_id, key)
    now = clock.now()
    items = checklist()
    head = Inspection(
        iid,
        HEAD,
        quarter=quarter,
        title=title,
        owner_name=owner.name,
        state="open",
        unit_count=len(targets),
        owner_unit=owner.unit_id,
        owner_path=list(owner.path),
        sort=f"{quarter}#{int(now * 1000):013d}",
        checklist=json.dumps(items.to_dict(), ensure_ascii=False),
        unit_ids=[u.unit_id for u in targets],
        created_by=member.member_no,
        created_by_name=member.name,
        created_at=int(now),
        request_key=key,
    )
    try:
        with Transaction() as tx:
            tx.save("head", head, condition=Inspection.inspection_id.does_not_exist())
            for u in targets:
                row = Inspection(
                    iid,
                    f"unit#{u.unit_id}",
                    quarter=quarter,
                    title=title,
                    owner_name=owner.name,
                    state="open",
                    unit_count=len(targets),
                    unit_id=u.unit_id,
                    unit_name=u.name,
                    unit_path=list(u.path),
                    cells={},
                    rev=0,
                )
                tx.save(f"unit:{u.unit_id}", row)
    except TransactionCancelled as exc:
        if not exc.failed("head"):
            raise
        old = Inspection.get(iid, HEAD, consistent_read=True)
        same = (old.quarter, old.title, list(old.unit_ids or ())) == (
            quarter, title, [u.unit_id for u in targets],
        )  # fmt: skip
        if not same:
            raise ConflictError("该请求编号已用于另一次检查，请刷新页面后重试") from None
        return detail(caller, iid), False
    return detail(caller, iid), True


# --- the grid ---------------------------------------------------------------------------------


def _ranked(items: Checklist) -> bool:
    """Ranks in a 通报: the checklist's `show_rank` as it was when opened AND the organisation's
    RANKINGS_ENABLED now (an organisation that forbids rankings shows none, not even old ones)."""
    return items.show_rank and get_settings().rankings_enabled


def _rank(items: Checklist, row: Inspection) -> int | None:
    return int(row.rank) if _ranked(items) and row.rank is not None else None


def _checklist_view(items: Checklist) -> dict[str, Any]:
    return {
        "step": points(items.step_tenths),
        "full_marks": points(items.full_tenths),
        "show_rank": _ranked(items),
        "comment_max": items.comment_max,
        "deduct_comment": items.deduct_comment,
        "grades": [{"label": g.label, "min_percent": g.min_percent} for g in items.grades],
        "items": [
            {
                "key": i.key,
                "category": i.category,
                "label": i.label,
                "max": points(i.max_tenths),
                "looks_at": i.looks_at,
            }
            for i in items.items
        ],
    }


def checklist_view() -> dict[str, Any]:
    return _checklist_view(checklist())


def _ranks(totals: dict[str, int]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4): units with equal totals share a rank."""
    ordered = sorted(totals.values(), reverse=True)
    return {u: ordered.index(t) + 1 for u, t in totals.items()}


def detail(caller: Caller, inspection_id: Any, paths: Paths | None = None) -> dict[str, Any]:
    """The grid. `paths`: the registry paths a caller (publish) already read for this request."""
    head = _head(inspection_id)
    if paths is None:
        paths = _require(caller, head, "read")
    elif _access(caller, head, paths) == "none":
        raise ForbiddenError(NOT_FOUND)
    items = _list_of(head)
    rows = _ordered(head, _rows(head.inspection_id))
    units = []
    missing = 0
    for row in rows:
        cells = _cells(row)
        missing += sum(1 for i in items.items if i.key not in cells)
        units.append(
            {
                "id": row.unit_id,
                "name": row.unit_name,
                "cells": cells,
                "scored": len(cells),
                "total": points(_total(row)),
                "rank": _rank(items, row),
                "grade": row.grade,
            }
        )
    access = _access(caller, head, paths)
    moved = _moved_away(head, paths)
    return {
        **_summary_row(head),
        "summary": head.summary,
        "created_by_name": head.created_by_name,
        "published_by_name": head.published_by_name,
        "checklist": _checklist_view(items),
        "units": units,
        "missing": missing,
        "may": {
            "score": access == "manage" and head.state == "open",
            "publish": access == "manage" and head.state == "open" and not moved,
        },
    }


# --- scoring ----------------------------------------------------------------------------------


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**6:
        raise BadRequestError("版本号（version）须为 0 或正整数（未评分的项为 0）")
    return value


def score(
    caller: Caller, member: Member, inspection_id: Any, body: dict[str, Any]
) -> dict[str, Any]:
    """One cell: ONE conditional update of the unit's row, on the cell's version and on the
    unit not being published. A retry of the very same score answers 200."""
    head = _head(inspection_id)
    unit_id = body.get("unit_id")
    known = unit_id in (head.unit_ids or ())
    paths = _require(caller, head, "manage", [unit_id] if known else [])
    if head.state != "open":
        raise ConflictError(LOCKED)
    items = _list_of(head)
    if not known:
        raise BadRequestError("检查单位（unit_id）不在本次检查中")
    if str(head.owner_unit) not in paths.get(unit_id, ())[:-1]:
        raise ConflictError(_left_message(head, [unit_id], paths))
    item = items.item(body.get("item")) if isinstance(body.get("item"), str) else None
    if item is None:
        raise BadRequestError("检查项目（item）不在本次检查的检查表中")
    value = tenths(body.get("score"))
    if value is None or not 0 <= value <= item.max_tenths or value % items.step_tenths:
        raise BadRequestError(
            f"得分（score）须为 0–{points(item.max_tenths)} 分，按 {points(items.step_tenths)} 分计"
        )
    comment = (
        clean_text(body.get("comment"), "检查意见（comment）", 2, items.comment_max, required=False)
        or ""
    )
    if items.deduct_comment and value < item.max_tenths and not comment:
        raise BadRequestError("检查意见（comment）：扣分的项目须写明扣分原因")
    version = _version(body.get("version", 0))
    cell = {
        "s": value,
        "c": comment,
        "v": version + 1,
        "by": member.member_no,
        "bn": member.name,
        "at": int(clock.now()),
    }
    row = Inspection(head.inspection_id, f"unit#{unit_id}")
    path = Inspection.cells[item.key]
    same_version = path.does_not_exist() if version == 0 else path["v"] == version
    try:
        row.update(
            actions=[path.set(cell), Inspection.rev.add(1)],
            condition=Inspection.published_at.does_not_exist() & same_version,
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        now_row = Inspection.get(head.inspection_id, f"unit#{unit_id}", consistent_read=True)
        if now_row.published_at is not None:
            raise ConflictError(LOCKED) from None
        mine = _raw_cells(now_row).get(item.key)
        if not (
            mine
            and int(mine["v"]) == version + 1
            and (int(mine["s"]), mine.get("c") or "", mine.get("by")) == (
                value, comment, member.member_no,
            )
        ):  # fmt: skip
            raise ConflictError(CHANGED) from None
        row = now_row
    # (else: the update answered the row as it left it, ALL_NEW: no read back)
    return {
        "unit_id": unit_id,
        "item": item.key,
        "cell": _cells(row)[item.key],
        "total": points(_total(row)),
        "scored": len(_raw_cells(row)),
    }


def _raw_cells(row: Inspection) -> dict[str, Any]:
    return row.cells.as_dict() if row.cells is not None else {}


# --- publishing -------------------------------------------------------------------------------


def publish(
    caller: Caller, member: Member, inspection_id: Any, body: dict[str, Any]
) -> dict[str, Any]:
    """The 通报, once: every unit's total, rank and grade written with the head's state in one
    transaction, conditional on the head still open and on each unit's `rev` as read (a score
    after the read makes it 409). A retry with the same summary answers the published 通报 (and
    posts what a failure after the write left unposted: the outbox posts each message once)."""
    head = _head(inspection_id)
    paths = _require(caller, head, "manage")
    summary = clean_text(body.get("summary"), "通报正文（summary）", SUMMARY_MIN, SUMMARY_MAX)
    if head.state == "published":
        if head.summary != summary:
            raise ConflictError(ALREADY)
        _tell_units(head)
        return detail(caller, head.inspection_id, paths)
    moved = _moved_away(head, paths)
    if moved:
        raise ConflictError(_left_message(head, moved, paths))
    items = _list_of(head)
    rows = _ordered(head, _rows(head.inspection_id))
    gaps = [
        f"{row.unit_name}「{i.label}」"
        for row in rows
        for i in items.items
        if i.key not in _raw_cells(row)
    ]
    if gaps:
        shown = "、".join(gaps[:3]) + ("等" if len(gaps) > 3 else "")
        raise ConflictError(f"还有 {len(gaps)} 项未评分：{shown}，全部评分后才能发布")
    totals = {row.unit_id: _total(row) for row in rows}
    ranks = _ranks(totals)
    now = int(clock.now())
    sort = f"{now:010d}#{head.inspection_id}"
    try:
        with Transaction() as tx:
            tx.update(
                "head",
                head,
                actions=[
                    Inspection.state.set("published"),
                    Inspection.published_at.set(now),
                    Inspection.published_by.set(member.member_no),
                    Inspection.published_by_name.set(member.name),
                    Inspection.summary.set(summary),
                ],
                condition=Inspection.state == "open",
            )
            for row in rows:
                actions = [
                    Inspection.state.set("published"),
                    Inspection.published_at.set(now),
                    Inspection.total.set(totals[row.unit_id]),
                    Inspection.grade.set(items.grade(totals[row.unit_id])),
                    Inspection.bulletin_unit.set(row.unit_id),
                    Inspection.bulletin_sort.set(sort),
                ]
                if _ranked(items):  # no rank where the organisation forbids rankings
                    actions.append(Inspection.rank.set(ranks[row.unit_id]))
                tx.update(
                    f"unit:{row.unit_id}",
                    row,
                    actions=actions,
                    condition=(Inspection.rev == int(row.rev or 0))
                    & Inspection.published_at.does_not_exist(),
                )
    except TransactionCancelled as exc:
        if exc.failed("head") or exc.conflict:
            # Published meanwhile (a parallel retry of the same publish, or another inspector).
            again = _head(head.inspection_id)
            if again.state == "published" and again.summary == summary:
                _tell_units(again)
                return detail(caller, head.inspection_id, paths)
            if exc.conflict:
                raise  # a write crossed ours: 503, the page sends the same again
            raise ConflictError("该检查刚刚已由他人发布通报") from None
        raise ConflictError(RESCORED) from None
    _tell_units(_head(head.inspection_id))
    return detail(caller, head.inspection_id, paths)


def _left_message(head: Inspection, moved: list[str], paths: Paths) -> str:
    shown = [paths.names.get(u, u) for u in moved[:3]]
    names = "、".join(shown) + ("等" if len(moved) > 3 else "")
    return (
        f"{names} 已不在{head.owner_name}之下（组织关系已调整），本次检查不能再评分或发布；"
        "如需检查，请另行组织一次检查"
    )


def unit_staff(unit_ids: set[str]) -> list[str]:
    """The active staff whose roles apply AT one of the units (its secretary and committee
    members for a branch, the 党总支委员 of a general branch …): the registry's staff partition
    (one Query) and their branches (one batch read), never a Scan."""
    staff = [m for m in Member.reminders.query(STAFF_KEY) if m.active]
    branches = {u.unit_id: u for u in OrgUnit.batch_get(sorted({m.branch_id for m in staff}))}
    out = []
    for m in staff:
        branch = branches.get(m.branch_id)
        if branch is None:
            continue
        who = Caller(m.member_no, tuple(branch.path), tuple(branch.path_kinds), tuple(m.roles))
        if {scope.role_unit(who, r) for r in m.roles if r in ROLES} & unit_ids:
            out.append(m.member_no)
    return sorted(out)


def _fit(text: str, limit: int) -> str:
    while len(text.encode()) > limit:
        text = text[:-2] + "…"
    return text


def _tell_units(head: Inspection) -> None:
    recipients = unit_staff(set(head.unit_ids or ()))
    result = "得分、排名" if _ranked(_list_of(head)) else "得分、等次"
    title = f"{head.owner_name}：{quarter_label(head.quarter)}检查通报"
    title = _fit(title, outbox.TITLE_MAX_BYTES)
    text = _fit(
        f"「{head.title}」已发布通报，请查看本单位的{result}和检查意见，对照整改。",
        outbox.BODY_MAX_BYTES,
    )
    outbox.post(
        f"inspection:{head.inspection_id}:bulletin",
        "inspection_bulletin",
        recipients,
        title,
        text,
        f"/bulletins.html?id={head.inspection_id}",
    )


# --- the XLSX ---------------------------------------------------------------------------------


EXPORT_COLUMNS = [
    ("unit", "单位"),
    ("category", "类别"),
    ("item", "检查项目"),
    ("max", "分值"),
    ("score", "得分"),
    ("comment", "检查意见"),
    ("by", "评分人"),
]


def export_rows(caller: Caller, inspection_id: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    view = detail(caller, inspection_id)
    out: list[dict[str, Any]] = []
    for unit in view["units"]:
        for i in view["checklist"]["items"]:
            cell = unit["cells"].get(i["key"])
            out.append(
                {
                    "unit": unit["name"],
                    "category": i["category"],
                    "item": i["label"],
                    "max": i["max"],
                    "score": cell["score"] if cell else None,
                    "comment": cell["comment"] if cell else "未评分",
                    "by": cell["by_name"] if cell else "",
                }
            )
        extra = (f"第 {unit['rank']} 名，" if unit["rank"] else "") + (unit["grade"] or "")
        out.append(
            {
                "unit": unit["name"],
                "category": "合计",
                "item": "",
                "max": view["checklist"]["full_marks"],
                "score": unit["total"],
                "comment": extra,
            }
        )
    return view, out


# --- the 通报, for the units --------------------------------------------------------------------


def _sees_comments(caller: Caller, row: Inspection, paths: Paths) -> bool:
    """Her own unit (on her branch's path: its staff and members) or a unit she has a role over
    where it is in the registry now."""
    return row.unit_id in caller.path or (
        scope.unit_access(caller, _unit_path(paths, row)) != "none"
    )


def bulletin(caller: Caller, inspection_id: Any) -> dict[str, Any]:
    head = _head(inspection_id, BULLETIN_NOT_FOUND)
    if head.state != "published":
        raise ForbiddenError(BULLETIN_NOT_FOUND)
    rows = _ordered(head, _rows(head.inspection_id))
    paths = _paths(head)
    everything = _access(caller, head, paths) != "none"
    visible = {r.unit_id for r in rows if everything or _sees_comments(caller, r, paths)}
    if not visible:
        raise ForbiddenError(BULLETIN_NOT_FOUND)
    items = _list_of(head)
    units = []
    order = list(head.unit_ids or ())
    ranked = _ranked(items)  # without ranks, the inspection's own order: no order by score

    def place(r: Inspection) -> tuple[int, int]:
        return (-int(r.total or 0) if ranked else 0, order.index(str(r.unit_id)))

    for row in sorted(rows, key=place):
        unit: dict[str, Any] = {
            "id": row.unit_id,
            "name": row.unit_name,
            "total": points(int(row.total or 0)),
            "grade": row.grade,
            "rank": _rank(items, row),
            "mine": row.unit_id in caller.path,
        }
        if row.unit_id in visible:
            cells = _cells(row)
            unit["items"] = [
                {
                    "key": i.key,
                    "score": cells[i.key]["score"] if i.key in cells else None,
                    "comment": cells[i.key]["comment"] if i.key in cells else "",
                }
                for i in items.items
            ]
        units.append(unit)
    return {
        "id": head.inspection_id,
        "title": head.title,
        "quarter": head.quarter,
        "quarter_label": quarter_label(head.quarter),
        "owner": {"id": head.owner_unit, "name": head.owner_name},
        "published_at": int(head.published_at or 0),
        "published_by_name": head.published_by_name,
        "summary": head.summary,
        "checklist": _checklist_view(items),
        "units": units,
        "scope": "all" if everything else "own",
    }


def bulletins(caller: Caller) -> dict[str, Any]:
    """The 通报 naming a unit on her branch's path (one Query each: at most 4), and those her
    own units issued (staff: one Query per unit where a role applies), newest first."""
    found: dict[str, dict[str, Any]] = {}
    ranked = get_settings().rankings_enabled
    # Nearest unit first: when a general branch and its branch were both inspected, a branch
    # member's row is her own branch's.
    for unit_id in reversed(caller.path):
        for row in Inspection.by_unit.query(unit_id, scan_index_forward=False):
            found.setdefault(
                row.inspection_id,
                {
                    "id": row.inspection_id,
                    "title": row.title,
                    "quarter": row.quarter,
                    "quarter_label": quarter_label(row.quarter),
                    "owner_name": row.owner_name,
                    "published_at": int(row.published_at or 0),
                    "unit": {
                        "id": row.unit_id,
                        "name": row.unit_name,
                        "total": points(int(row.total or 0)),
                        "rank": int(row.rank) if ranked and row.rank is not None else None,
                        "grade": row.grade,
                    },
                },
            )
    for unit_id in scope.grants(caller):
        for head in Inspection.by_owner.query(
            unit_id, filter_condition=Inspection.state == "published"
        ):
            found.setdefault(
                head.inspection_id,
                {
                    "id": head.inspection_id,
                    "title": head.title,
                    "quarter": head.quarter,
                    "quarter_label": quarter_label(head.quarter),
                    "owner_name": head.owner_name,
                    "published_at": int(head.published_at or 0),
                    "unit": None,
                },
            )
    listed = sorted(found.values(), key=lambda b: (-b["published_at"], b["id"]))
    return {"bulletins": listed}
