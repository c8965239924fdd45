"""Read, validate, plan and apply registry imports (org units and members) from CSV or XLSX.

The one definition of the registry's rules: the offline importers (`tools/import_members`,
`tools/import_units`), the console's upload and the console's one-member and one-unit forms
(`registry_upkeep.py`) all check rows here.

Reading, validation and planning are pure functions over plain records, so the rules are testable
without a database. Only `apply_*` (and the command's `load_*`, in tools/registry_import.py: a
Scan, which the API never runs) touch DynamoDB, and they import the models when
called: PynamoDB fixes host and table names when the model classes are created, so the caller's
environment must be complete first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from . import text_chars
from .identifiers import is_member_no, is_unit_id
from .org import (
    GENDERS,
    MAX_TREE_DEPTH,
    ROLE_BY_LABEL,
    ROLES,
    STATUS_LABELS,
    UNIT_KINDS,
)
from .registry_fields import LABELS, birth_date_problem, choice_problem
from .spreadsheet import Row

UNIT_HEADERS = ("单位编号", "单位名称", "单位类型", "上级单位编号")
MEMBER_REQUIRED = ("党员编号", "姓名", "性别", "手机号", "所在支部", "人员类别", "职务", "入党日期")
# Optional columns (member structure): a file without one leaves that field as stored.
STRUCTURE_HEADERS = (LABELS["birth_date"], LABELS["education"], LABELS["occupation"])
MEMBER_HEADERS = MEMBER_REQUIRED + STRUCTURE_HEADERS
STRUCTURE_FIELDS = ("birth_date", "education", "occupation")

# The Party's founding day: no one can have joined before it.
EARLIEST_JOIN = date(1921, 7, 1)
MAX_NAME_CHARS = 30
MAX_UNIT_NAME_CHARS = 60
# [0-9], never \d: \d also matches full-width digits (and int() reads them). Used with fullmatch.
PHONE_RE = re.compile(r"1[3-9][0-9]{9}")
_PHONE_NOISE_RE = re.compile(r"[\s\-－—]")
_ROLE_SEPARATORS_RE = re.compile(r"[、;；，,\s]+")
_DATE_RE = re.compile(
    r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
)
# A date cell without date formatting reaches us as its Excel serial number (e.g. 44562).
_EXCEL_SERIAL_RE = re.compile(r"[0-9]{5}")

KIND_BY_TEXT: dict[str, str] = {
    **{k: k for k in UNIT_KINDS},
    **{v: k for k, v in UNIT_KINDS.items()},
}
# Kinds go strictly downward; only the general branch level may be skipped.
PARENT_KINDS: dict[str, tuple[str, ...]] = {
    "group": (),
    "committee": ("group",),
    "general_branch": ("committee",),
    "branch": ("general_branch", "committee"),
}
ROOT_KINDS = ("group", "committee")
STATUS_BY_TEXT: dict[str, str] = {
    **{k: k for k in STATUS_LABELS},
    **{v: k for k, v in STATUS_LABELS.items()},
}
REGISTRY_FIELDS = (
    "name",
    "gender",
    "phone",
    "branch_id",
    "status",
    "roles",
    "joined_on",
    "active",
    *STRUCTURE_FIELDS,
)


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        tail = f"（{self.value}）" if self.value else ""
        return f"第 {self.row} 行 {self.field}: {self.message}{tail}"


@dataclass(frozen=True)
class UnitRecord:
    unit_id: str
    name: str
    kind: str
    parent_id: str | None
    path: tuple[str, ...] = ()
    path_kinds: tuple[str, ...] = ()  # the kind of each unit in `path`
    sort_order: int = 0
    row: int = field(default=0, compare=False)  # 0: read from the database


@dataclass(frozen=True)
class MemberRecord:
    member_no: str
    name: str
    gender: str | None
    phone: str | None
    branch_id: str
    status: str
    roles: tuple[str, ...] = ()
    joined_on: str | None = None
    active: bool = True
    row: int = field(default=0, compare=False)  # 0: read from the database
    birth_date: str | None = None
    education: str | None = None
    occupation: str | None = None
    # STRUCTURE_FIELDS whose column the file lacks: the stored value stays.
    absent: tuple[str, ...] = field(default=(), compare=False)
    # Read from the database, never from a file (see "Transfers and recruitment" below):
    transfer_id: str | None = field(default=None, compare=False)  # her open transfer
    placed_by: str | None = field(default=None, compare=False)  # "transfer" / "recruitment"
    transferred_out: bool = field(default=False, compare=False)
    erased: bool = field(default=False, compare=False)  # her personal data deleted (erased_at)
    # Her `rev` as read (None: the item has none), or NOT_READ: a write is conditioned on it, so
    # a console change made meanwhile (roles, a move) is not overwritten by the import's row.
    rev: int | str | None = field(default="not read", compare=False)


# --- org units -------------------------------------------------------------------------------


def validate_units(
    rows: Sequence[Row], existing: Iterable[UnitRecord], *, leaf_ok: bool = False
) -> tuple[list[UnitRecord], list[RowError]]:
    """Check every row against the file and the units already stored.

    Returns the units to store: the file's rows with `path` and `sort_order` computed, plus stored
    units whose `path` changes because an ancestor moved. `leaf_ok`: a 党委 or 党总支 without
    units below is allowed (the console adds a unit before its branches).
    """
    errors: list[RowError] = []
    stored = {u.unit_id: u for u in existing}
    parsed: dict[str, UnitRecord] = {}
    first_row: dict[str, int] = {}
    for order, row in enumerate(rows, start=1):
        unit = _parse_unit(row, order, first_row, errors)
        if unit is not None:
            parsed[unit.unit_id] = unit
    merged = {**stored, **parsed}
    paths = {uid: _path(uid, merged) for uid in merged}
    children: dict[str, list[str]] = {}
    for unit in merged.values():
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit.unit_id)

    for unit in parsed.values():
        found = _unit_tree_errors(unit, merged, paths[unit.unit_id], children, parsed)
        if leaf_ok:
            found = [e for e in found if not e.message.endswith("只有党支部可以是末级单位")]
        errors.extend(found)
    errors.extend(_moved_too_deep(parsed, paths))
    errors.sort(key=lambda e: e.row)

    records = [_placed(u, paths[u.unit_id], merged) for u in parsed.values()]
    for uid, unit in stored.items():
        if uid not in parsed and paths[uid]:
            moved = _placed(unit, paths[uid], merged)
            if moved != unit:
                records.append(moved)
    return records, errors


def _moved_too_deep(
    parsed: dict[str, UnitRecord], paths: dict[str, tuple[str, ...] | None]
) -> list[RowError]:
    """A row that moves a unit moves its stored subtree too: no unit below may end up deeper
    than MAX_TREE_DEPTH (reported once, at the row of the moved unit nearest the top)."""
    errors: dict[str, RowError] = {}
    for uid, path in paths.items():
        if uid in parsed or path is None or len(path) <= MAX_TREE_DEPTH:
            continue
        moved = next((u for u in path if u in parsed), None)
        if moved is not None and moved not in errors:
            message = f"下级单位 {uid} 的层级将超过 {MAX_TREE_DEPTH} 级"
            errors[moved] = RowError(parsed[moved].row, "上级单位编号", message, " > ".join(path))
    return list(errors.values())


def _placed(
    unit: UnitRecord, path: tuple[str, ...] | None, units: dict[str, UnitRecord]
) -> UnitRecord:
    path = path or ()
    kinds = tuple(units[uid].kind for uid in path)
    return replace(unit, path=path, path_kinds=kinds)


def _char_errors(row: Row, errors: list[RowError]) -> bool:
    """Every cell is plain text of one line (text_chars: no control, invisible or bidi
    characters, fillers or emoji): a name that reads other than it looks is refused."""
    found = False
    for header, value in row.values.items():
        if value and (problem := text_chars.problem(value)):
            shown = "".join(
                c if text_chars.problem(c) is None else f"\\u{ord(c):04x}" for c in value
            )
            errors.append(RowError(row.number, header, problem, shown))
            found = True
    return found


def _parse_unit(
    row: Row, order: int, first_row: dict[str, int], errors: list[RowError]
) -> UnitRecord | None:
    n = row.number
    if _char_errors(row, errors):
        return None
    uid, name = row.get("单位编号"), row.get("单位名称")
    kind_text, parent = row.get("单位类型"), row.get("上级单位编号")
    if not uid:
        errors.append(RowError(n, "单位编号", "不能为空"))
    elif not is_unit_id(uid):
        errors.append(RowError(n, "单位编号", "只能包含字母、数字、- 或 _，最长 32 位", uid))
    elif uid in first_row:
        errors.append(RowError(n, "单位编号", f"与第 {first_row[uid]} 行重复", uid))
    else:
        first_row[uid] = n
    if not name:
        errors.append(RowError(n, "单位名称", "不能为空"))
    elif len(name) > MAX_UNIT_NAME_CHARS:
        errors.append(RowError(n, "单位名称", f"超过 {MAX_UNIT_NAME_CHARS} 个字", name))
    kind = KIND_BY_TEXT.get(kind_text)
    if not kind_text:
        errors.append(RowError(n, "单位类型", "不能为空"))
    elif kind is None:
        allowed = "、".join(UNIT_KINDS.values())
        errors.append(RowError(n, "单位类型", f"应为 {allowed} 之一", kind_text))
    if parent and parent == uid:
        errors.append(RowError(n, "上级单位编号", "不能是本单位", parent))
    if first_row.get(uid) != n:
        return None
    # A row with a bad name or kind stays in the tree so that its children are still checked.
    return UnitRecord(uid, name, kind or "", parent or None, sort_order=order, row=n)


def _path(uid: str, units: dict[str, UnitRecord]) -> tuple[str, ...] | None:
    """Ancestor ids root-first ending with `uid`; None if a parent is missing or the chain loops."""
    chain = [uid]
    seen = {uid}
    parent = units[uid].parent_id
    while parent is not None:
        if parent in seen or parent not in units:
            return None
        chain.append(parent)
        seen.add(parent)
        parent = units[parent].parent_id
    return tuple(reversed(chain))


def _in_cycle(uid: str, units: dict[str, UnitRecord]) -> bool:
    seen = set()
    current: str | None = uid
    while current is not None and current in units and current not in seen:
        seen.add(current)
        current = units[current].parent_id
    return current == uid


def _unit_tree_errors(
    unit: UnitRecord,
    merged: dict[str, UnitRecord],
    path: tuple[str, ...] | None,
    children: dict[str, list[str]],
    from_file: dict[str, UnitRecord],
) -> list[RowError]:
    n, errors = unit.row, []
    label = UNIT_KINDS.get(unit.kind, "")
    own_parent = unit.parent_id == unit.unit_id  # already reported while parsing
    parent = None if own_parent else merged.get(unit.parent_id or "")
    if unit.parent_id and not own_parent:
        if parent is None:
            errors.append(RowError(n, "上级单位编号", "上级单位不存在", unit.parent_id))
        elif _in_cycle(unit.unit_id, merged):
            errors.append(RowError(n, "上级单位编号", "上级关系形成循环", unit.parent_id))
    if unit.kind and unit.parent_id is None and unit.kind not in ROOT_KINDS:
        errors.append(RowError(n, "上级单位编号", f"{label}必须填写上级单位"))
    if unit.kind and parent is not None and parent.kind:
        allowed = PARENT_KINDS[unit.kind]
        if not allowed:
            errors.append(
                RowError(n, "上级单位编号", f"{label}是最上级单位，不能有上级", parent.unit_id)
            )
        elif parent.kind not in allowed:
            wanted = "或".join(UNIT_KINDS[k] for k in allowed)
            message = f"{label}的上级应为{wanted}，而该单位是{UNIT_KINDS[parent.kind]}"
            errors.append(RowError(n, "上级单位编号", message, parent.unit_id))
    if path is not None and len(path) > MAX_TREE_DEPTH:
        errors.append(
            RowError(n, "上级单位编号", f"层级超过 {MAX_TREE_DEPTH} 级", " > ".join(path))
        )
    kids = children.get(unit.unit_id, [])
    if unit.kind and unit.kind != "branch" and not kids:
        errors.append(RowError(n, "单位类型", f"{label}没有下级单位：只有党支部可以是末级单位"))
    if unit.kind:
        for kid in kids:  # stored children that the file does not mention must still fit
            child = merged[kid]
            if kid not in from_file and unit.kind not in PARENT_KINDS.get(child.kind, ()):
                kid_label = UNIT_KINDS[child.kind]
                message = f"下级单位 {kid} 是{kid_label}，不能设在{label}之下"
                errors.append(RowError(n, "单位类型", message))
    return errors


@dataclass
class UnitPlan:
    added: list[UnitRecord] = field(default_factory=list)
    updated: list[UnitRecord] = field(default_factory=list)
    unchanged: list[UnitRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the file said and was not done


def plan_unit_import(records: Iterable[UnitRecord], existing: Iterable[UnitRecord]) -> UnitPlan:
    stored = {u.unit_id: u for u in existing}
    plan = UnitPlan()
    for record in records:
        before = stored.get(record.unit_id)
        if before is None:
            plan.added.append(record)
        elif before == record:
            plan.unchanged.append(record)
        else:
            plan.updated.append(record)
    return plan


# --- members ---------------------------------------------------------------------------------


def validate_members(
    rows: Sequence[Row], units: Iterable[UnitRecord], today: date | None = None
) -> tuple[list[MemberRecord], list[RowError]]:
    """Check every row; the records are meaningful only when the error list is empty."""
    today = today or date.today()
    by_id = {u.unit_id: u for u in units}
    branches_by_name: dict[str, list[UnitRecord]] = {}
    for unit in by_id.values():
        if unit.kind == "branch":
            branches_by_name.setdefault(unit.name, []).append(unit)
    first_row: dict[str, int] = {}
    records: list[MemberRecord] = []
    errors: list[RowError] = []
    for row in rows:
        record = _parse_member(row, by_id, branches_by_name, first_row, today, errors)
        if record is not None:
            records.append(record)
    return records, errors


def _parse_member(
    row: Row,
    units: dict[str, UnitRecord],
    branches_by_name: dict[str, list[UnitRecord]],
    first_row: dict[str, int],
    today: date,
    errors: list[RowError],
) -> MemberRecord | None:
    n = row.number
    before = len(errors)
    if _char_errors(row, errors):
        return None

    def bad(field_name: str, message: str, value: str = "") -> None:
        errors.append(RowError(n, field_name, message, value))

    member_no = row.get("党员编号")
    if not member_no:
        bad("党员编号", "不能为空")
    elif not is_member_no(member_no):
        bad("党员编号", "只能包含字母、数字、- 或 _，最长 32 位", member_no)
    elif member_no in first_row:
        bad("党员编号", f"与第 {first_row[member_no]} 行重复", member_no)
    else:
        first_row[member_no] = n

    name = row.get("姓名")
    if not name:
        bad("姓名", "不能为空")
    elif len(name) > MAX_NAME_CHARS:
        bad("姓名", f"超过 {MAX_NAME_CHARS} 个字", name)

    gender = row.get("性别") or None
    if gender is not None and gender not in GENDERS:
        bad("性别", "只能填写 男 或 女", gender)

    phone = _PHONE_NOISE_RE.sub("", row.get("手机号")) or None
    if phone is not None and not PHONE_RE.fullmatch(phone):
        bad("手机号", "号码格式不正确", row.get("手机号"))

    branch = _find_branch(row.get("所在支部"), units, branches_by_name, bad)

    status_text = row.get("人员类别")
    status = STATUS_BY_TEXT.get(status_text)
    if not status_text:
        bad("人员类别", "不能为空")
    elif status is None:
        bad("人员类别", "只能填写 正式党员 或 预备党员", status_text)

    roles = _parse_roles(row.get("职务"), branch, units, bad)

    joined_on = None
    if text := row.get("入党日期"):
        try:
            joined = parse_date(text)
        except ValueError:
            bad("入党日期", "日期格式不正确，应为 YYYY-MM-DD", text)
        else:
            if joined > today:
                bad("入党日期", "不能晚于今天", text)
            elif joined < EARLIEST_JOIN:
                bad("入党日期", "不能早于 1921-07-01", text)
            joined_on = joined.isoformat()

    birth_date = None
    if text := row.get(LABELS["birth_date"]):
        try:
            born = parse_date(text)
        except ValueError:
            bad(LABELS["birth_date"], "日期格式不正确，应为 YYYY-MM-DD", text)
        else:
            joined = date.fromisoformat(joined_on) if joined_on else None
            if problem := birth_date_problem(born, today, joined):
                bad(LABELS["birth_date"], problem, text)
            birth_date = born.isoformat()
    chosen: dict[str, str | None] = {}
    for name_ in ("education", "occupation"):
        value = row.get(LABELS[name_]) or None
        if value is not None and (problem := choice_problem(name_, value)):
            bad(LABELS[name_], problem, value)
        chosen[name_] = value
    absent = tuple(f for f in STRUCTURE_FIELDS if LABELS[f] not in row.values)

    if len(errors) > before or branch is None or status is None:
        return None
    return MemberRecord(
        member_no,
        name,
        gender,
        phone,
        branch.unit_id,
        status,
        roles,
        joined_on,
        row=n,
        birth_date=birth_date,
        education=chosen["education"],
        occupation=chosen["occupation"],
        absent=absent,
    )


# The API's field names of the member columns (the console's forms show an error at its field).
FIELD_OF_HEADER: dict[str, str] = {
    "党员编号": "member_no",
    "姓名": "name",
    "性别": "gender",
    "手机号": "phone",
    "所在支部": "branch_id",
    "人员类别": "status",
    "职务": "roles",
    "入党日期": "joined_on",
    **{label: name for name, label in LABELS.items()},
    "单位编号": "unit_id",
    "单位名称": "name",
    "单位类型": "kind",
    "上级单位编号": "parent_id",
}


def check_member(
    values: dict[str, str], units: Iterable[UnitRecord], today: date | None = None
) -> tuple[MemberRecord | None, list[RowError]]:
    """One member's values (keyed by the column headers) checked exactly as an import row."""
    records, errors = validate_members([Row(0, values)], units, today)
    return (records[0] if records and not errors else None), errors


def unit_record(unit) -> UnitRecord:
    """An `OrgUnit` item as the rules see it."""
    return UnitRecord(
        unit.unit_id,
        unit.name,
        unit.kind,
        unit.parent_id,
        tuple(unit.path or ()),
        tuple(unit.path_kinds or ()),
        int(unit.sort_order or 0),
    )


def _find_branch(text, units, branches_by_name, bad) -> UnitRecord | None:
    """A branch by unit id, or else by name when exactly one branch has that name."""
    if not text:
        bad("所在支部", "不能为空")
        return None
    unit = units.get(text)
    if unit is not None:
        if unit.kind != "branch":
            label = UNIT_KINDS.get(unit.kind, unit.kind)
            bad("所在支部", f"该单位是{label}，党员只能编入党支部", text)
            return None
        return unit
    matches = branches_by_name.get(text, [])
    if len(matches) > 1:
        bad("所在支部", "有多个同名党支部，请填写单位编号", text)
    elif not matches:
        bad("所在支部", "找不到该党支部", text)
    return matches[0] if len(matches) == 1 else None


def _parse_roles(text, branch, units, bad) -> tuple[str, ...]:
    keys: list[str] = []
    above = {units[u].kind for u in branch.path if u in units} if branch else set()
    for label in (p for p in _ROLE_SEPARATORS_RE.split(text) if p):
        role = ROLE_BY_LABEL.get(label) or ROLES.get(label)
        if role is None:
            allowed = "、".join(ROLE_BY_LABEL)
            bad("职务", f"无法识别的职务，应为 {allowed}", label)
        elif branch is not None and role.unit_kind is not None and role.unit_kind not in above:
            kind = UNIT_KINDS[role.unit_kind]
            bad("职务", f"所在支部 {branch.unit_id} 的上级没有{kind}，不能担任{role.label}", label)
        elif role.key not in keys:
            keys.append(role.key)
    return tuple(keys)


def parse_date(text: str) -> date:
    """YYYY-MM-DD or YYYY/MM/DD (month and day may have one digit), or an Excel serial number."""
    if _EXCEL_SERIAL_RE.fullmatch(text):
        from openpyxl.utils.datetime import from_excel

        return from_excel(int(text)).date()
    match = _DATE_RE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return date(*(int(g) for g in match.groups()))


@dataclass(frozen=True)
class MemberUpdate:
    record: MemberRecord
    changed: tuple[str, ...]  # REGISTRY_FIELDS, and "placed_by" when the file confirms her
    before: MemberRecord | None = None  # as read: the write is conditioned on it


@dataclass
class MemberPlan:
    added: list[MemberRecord] = field(default_factory=list)
    updated: list[MemberUpdate] = field(default_factory=list)
    unchanged: list[MemberRecord] = field(default_factory=list)
    missing: list[MemberRecord] = field(default_factory=list)  # stored but not in the file
    errors: list[RowError] = field(default_factory=list)  # nothing is written if any
    notes: list[str] = field(default_factory=list)  # what the file said and was not done


# A member whose personal data the 管理员 deleted (个人信息保护法, personal_erase.py) is an
# anonymised placeholder: a row for her is an error (nothing of the file is written), never
# applied or skipped with a note, so her name and phone are not written back and she is not
# made active again, and whoever imports learns the source file still holds her and must drop
# the row (README: Personal data).
ERASED = "该党员的个人信息已按规定删除，不能再导入；请从文件中删去此行"


# Transfers and recruitment: the platform, not the spreadsheet, moved these members.
# - A member in an open transfer: a row moving her is an error (the whole file is refused).
# - A member placed by a completed transfer or by recruitment (`placed_by`): a row naming
#   another branch keeps her branch and roles (a note says so); a row naming her branch
#   confirms her (`placed_by` cleared: from then on the file governs her again).
# - A member transferred out of the organisation is never made active again by a row.
# - The console (registry_upkeep.py) is the platform too: a member it added or moved carries
#   `placed_by="console"` and is kept like a transferred one; one it deactivated stays so.
# - `--deactivate-missing` never deactivates a member with `placed_by` or an open transfer.
def plan_member_import(
    records: Iterable[MemberRecord], existing: Iterable[MemberRecord]
) -> MemberPlan:
    stored = {m.member_no: m for m in existing}
    plan = MemberPlan()
    seen = set()
    for record in records:
        seen.add(record.member_no)
        before = stored.get(record.member_no)
        if before is None:
            plan.added.append(record)
            continue
        record = _as_platform_left_her(record, before, plan)
        if record is None:
            continue
        if record.absent:  # a column the file lacks leaves that field as stored
            record = replace(record, **{f: getattr(before, f) for f in record.absent})
        changed = tuple(f for f in REGISTRY_FIELDS if getattr(before, f) != getattr(record, f))
        if record.placed_by != before.placed_by:
            changed += ("placed_by",)
        if changed:
            plan.updated.append(MemberUpdate(record, changed, before))
        else:
            plan.unchanged.append(record)
    plan.missing = sorted((m for m in stored.values() if m.member_no not in seen), key=_no_key)
    return plan


def _as_platform_left_her(
    record: MemberRecord, before: MemberRecord, plan: MemberPlan
) -> MemberRecord | None:
    """The row as it may be applied to a member the platform moved (rules above), or None."""
    who = f"第 {record.row} 行 {record.member_no} {record.name}"
    if before.erased:
        plan.errors.append(RowError(record.row, "党员编号", ERASED, record.member_no))
        return None
    if before.transfer_id and record.branch_id != before.branch_id:
        message = "该党员的组织关系转接正在办理中，办结前不能由导入改变所在支部"
        plan.errors.append(RowError(record.row, "所在支部", message, record.branch_id))
        return None
    if before.transferred_out and not before.active:
        plan.notes.append(f"  {who}：已通过组织关系转接转出本组织，导入不恢复其在册状态")
        return replace(
            record,
            branch_id=before.branch_id,
            roles=before.roles,
            active=False,
            placed_by=before.placed_by,
        )
    if before.placed_by == "console" and not before.active:
        plan.notes.append(f"  {who}：已在党务工作台停用，导入不恢复其在册状态")
        return replace(
            record,
            branch_id=before.branch_id,
            roles=before.roles,
            active=False,
            placed_by=before.placed_by,
        )
    if before.placed_by is None:
        return replace(record, transfer_id=before.transfer_id)
    if record.branch_id == before.branch_id:
        return replace(record, transfer_id=before.transfer_id, placed_by=None)
    how = {"transfer": "组织关系转接", "console": "党务工作台"}.get(before.placed_by, "党员发展")
    plan.notes.append(
        f"  {who}：所在支部由{how}确定为 {before.branch_id}，文件中为 {record.branch_id}，"
        "保留现所在支部和职务；请更新名册文件"
    )
    return replace(
        record,
        branch_id=before.branch_id,
        roles=before.roles,
        transfer_id=before.transfer_id,
        placed_by=before.placed_by,
    )


def _no_key(member: MemberRecord) -> str:
    return member.member_no


# --- database --------------------------------------------------------------------------------


def apply_unit_import(plan: UnitPlan) -> None:
    """Write the plan, one conditional write per unit: a unit added meanwhile (by the console)
    is not overwritten, and `plan.added` / `plan.updated` keep only what was written (the rest
    is named in `plan.notes`). `rev` is a small counter (JavaScript's exact integers), bumped by
    every write, so a console form that read the unit before the import fails."""
    from chalicelib import unit_paths
    from chalicelib.models import OrgUnit
    from chalicelib.models.base import condition_failed
    from chalicelib.ranking_log import registry_changed

    written_added, written_updated = [], []
    for u in plan.added:
        unit = OrgUnit(
            u.unit_id,
            name=u.name,
            kind=u.kind,
            parent_id=u.parent_id,
            path=list(u.path),
            path_kinds=list(u.path_kinds),
            sort_order=u.sort_order,
            rev=1,
        )
        try:
            unit.save(condition=OrgUnit.unit_id.does_not_exist())
        except Exception as exc:
            if not condition_failed(exc):
                raise
            plan.notes.append(f"  {_row_of(u)}{u.unit_id} {u.name}：该单位编号刚被他人使用，未写入")
            continue
        written_added.append(u)
    for u in plan.updated:
        actions = [
            OrgUnit.name.set(u.name),
            OrgUnit.kind.set(u.kind),
            OrgUnit.parent_id.remove()
            if u.parent_id is None
            else OrgUnit.parent_id.set(u.parent_id),
            OrgUnit.path.set(list(u.path)),
            OrgUnit.path_kinds.set(list(u.path_kinds)),
            OrgUnit.sort_order.set(u.sort_order),
            OrgUnit.rev.add(1),
        ]
        OrgUnit(u.unit_id).update(actions=actions)
        written_updated.append(u)
    plan.added, plan.updated = written_added, written_updated
    registry_changed()  # the ranking job re-reads the registry
    if plan.updated:  # moved or renamed: the records' copies follow (unit_paths.run)
        unit_paths.bump()


def kind_change_errors(
    records: Iterable[UnitRecord], existing: Iterable[UnitRecord]
) -> list[RowError]:
    """A stored unit's kind changes only while nothing depends on it: a 党支部 holding members
    stays a 党支部 (only a 党支部 has members; her roles there would apply nowhere), and a
    党委 / 党总支 with units below keeps its kind (the roles of its committee would move to
    another level). One Query per changed 党支部, one per changed unit above."""
    from chalicelib.models import Member, OrgUnit

    stored = {u.unit_id: u for u in existing}
    errors = []
    for r in records:
        before = stored.get(r.unit_id)
        if r.row == 0 or before is None or before.kind == r.kind:
            continue
        label = UNIT_KINDS.get(before.kind, before.kind)
        if before.kind == "branch":
            if next(iter(Member.by_branch.query(r.unit_id, limit=1)), None) is not None:
                message = f"该{label}有党员（只有党支部可以有党员），不能改变单位类型"
                errors.append(RowError(r.row, "单位类型", message, r.kind))
        elif next(iter(OrgUnit.children.query(r.unit_id, limit=1)), None) is not None:
            message = f"该{label}下有下级单位，不能改变单位类型"
            errors.append(RowError(r.row, "单位类型", message, r.kind))
    return errors


def _row_of(record: UnitRecord | MemberRecord) -> str:
    return f"第 {record.row} 行 " if getattr(record, "row", 0) else ""


def apply_member_import(
    plan: MemberPlan,
    deactivate_missing: bool = False,
    *,
    rebuild_directory: Callable[[], object] | None = None,
) -> list[str]:
    """Write the plan; returns the member numbers deactivated.

    Updates touch only the registry fields, so an activated account keeps its `password_hash`
    and `session_epoch`; deactivation bumps `session_epoch`, which ends every session. Each
    write is conditioned on the branch and transfer read by the plan: a transfer completed or
    started meanwhile is not undone (that member is skipped and named in `plan.notes`).
    """
    from chalicelib.models import Member
    from chalicelib.models.base import condition_failed
    from chalicelib.models.registry import remind_key
    from chalicelib.ranking_log import registry_changed

    now = datetime.now(UTC).isoformat(timespec="seconds")
    written = []
    for r in plan.added:  # one conditional put each: a member added meanwhile is not overwritten
        try:
            Member(
                r.member_no,
                name=r.name,
                gender=r.gender,
                phone=r.phone,
                branch_id=r.branch_id,
                status=r.status,
                roles=list(r.roles),
                joined_on=r.joined_on,
                birth_date=r.birth_date,
                education=r.education,
                occupation=r.occupation,
                active=True,
                remind_key=remind_key(r.roles, r.joined_on, True),
                session_epoch=0,
                updated_at=now,
            ).save(condition=Member.member_no.does_not_exist())
        except Exception as exc:
            if not condition_failed(exc):
                raise
            who = f"第 {r.row} 行 {r.member_no} {r.name}"
            plan.notes.append(f"  {who}：该党员编号刚被他人使用，未写入，请重新导入")
            continue
        written.append(r)
    plan.added = written
    kept = []
    for change in plan.updated:
        r = change.record
        actions = [Member.updated_at.set(now), Member.rev.add(1)]
        for name in REGISTRY_FIELDS:
            attr, value = getattr(Member, name), getattr(r, name)
            if name == "roles":
                value = list(value)
            actions.append(attr.remove() if value is None else attr.set(value))
        key = remind_key(r.roles, r.joined_on, r.active)  # the reminders' index (models)
        actions.append(Member.remind_key.remove() if key is None else Member.remind_key.set(key))
        if "placed_by" in change.changed:
            actions.append(Member.placed_by.remove())
        if not _write_unless_moved(Member(r.member_no), actions, change.before):
            who = f"第 {r.row} 行 {r.member_no} {r.name}"
            plan.notes.append(f"  {who}：导入期间其信息有变化，未更新，请重新导入")
            continue
        kept.append(change)
    plan.updated = kept  # the report and the audit say what was written
    deactivated = []
    if deactivate_missing:
        for m in plan.missing:
            if not m.active or m.placed_by or m.transfer_id:
                continue
            actions = [
                Member.active.set(False),
                Member.remind_key.remove(),
                Member.session_epoch.add(1),
                Member.updated_at.set(now),
                Member.rev.add(1),
            ]
            if _write_unless_moved(Member(m.member_no), actions, m):
                deactivated.append(m.member_no)
    registry_changed()  # the ranking job re-reads the registry
    if rebuild_directory is not None:  # the command: 通讯录's index whole (a Scan, few writes)
        rebuild_directory()
    else:  # the console: no Scan on a request; one write per member written
        _directory_entries(plan)
    return deactivated


def _directory_entries(plan: MemberPlan) -> None:
    from chalicelib import directory
    from chalicelib.models import Member

    for r in [*plan.added, *(c.record for c in plan.updated)]:
        member = Member(r.member_no, name=r.name, branch_id=r.branch_id, status=r.status)
        member.active = r.active
        directory.member_changed(member)


def _write_unless_moved(item, actions: list, before: MemberRecord | None) -> bool:
    """The update, only if her branch, open transfer and placement are as the plan read them."""
    from chalicelib.models import Member
    from chalicelib.models.base import condition_failed

    condition = Member.member_no.exists()
    if before is not None:
        condition &= Member.branch_id == before.branch_id
        if before.rev is None:
            condition &= Member.rev.does_not_exist()
        elif isinstance(before.rev, int):
            condition &= Member.rev == before.rev
        for attr, value in (
            (Member.transfer_id, before.transfer_id),
            (Member.placed_by, before.placed_by),
        ):
            condition &= attr.does_not_exist() if value is None else attr == value
    try:
        item.update(actions=actions, condition=condition)
    except Exception as exc:
        if condition_failed(exc):
            return False
        raise
    return True


SUMMARY_LABELS = {
    "name": "姓名",
    "gender": "性别",
    "phone": "手机号",
    "branch_id": "所在支部",
    "status": "人员类别",
    "roles": "职务",
    "joined_on": "入党日期",
    "active": "启用",
    "birth_date": "出生日期",
    "education": "学历",
    "occupation": "职业",
    "placed_by": "确认转接、发展或党务工作台调整后的所在支部",
}


def missing_state(m: MemberRecord, deactivate_missing: bool) -> str:
    if not m.active:
        return "已停用"
    if m.transfer_id:
        return "组织关系转接办理中，不停用"
    if m.placed_by:
        how = {
            "transfer": "组织关系转接转入",
            "console": "党务工作台调整",
        }.get(m.placed_by, "党员发展接收")
        return f"经{how}，不停用"
    return "将停用" if deactivate_missing else "未处理"


def member_summary(plan: MemberPlan, deactivate_missing: bool, dry_run: bool) -> list[str]:
    """The import's report, line by line (the command prints it, the console shows it)."""
    lines = [
        f"新增 {len(plan.added)} 人，更新 {len(plan.updated)} 人，未变 {len(plan.unchanged)} 人；"
        f"数据库中有而文件中没有 {len(plan.missing)} 人。"
    ]
    for change in plan.updated:
        fields = "、".join(SUMMARY_LABELS[f] for f in change.changed)
        lines.append(f"  更新 {change.record.member_no} {change.record.name}：{fields}")
    for m in plan.missing:
        lines.append(
            f"  文件中没有 {m.member_no} {m.name}（{missing_state(m, deactivate_missing)}）"
        )
    if plan.notes:
        lines.append("未按文件处理：")
        lines.extend(plan.notes)
    if plan.missing and not deactivate_missing:
        lines.append("如需停用这些党员（并结束其登录），请加 --deactivate-missing 重新导入。")
    if dry_run:
        lines.append("试运行（--dry-run）：未写入数据库。")
    return lines


def unit_summary(plan: UnitPlan, dry_run: bool) -> list[str]:
    counts = (len(plan.added), len(plan.updated), len(plan.unchanged))
    lines = ["新增 {} 个单位，更新 {} 个，未变 {} 个。".format(*counts)]
    lines += [f"  新增 {u.unit_id} {u.name}" for u in plan.added]
    lines += [f"  更新 {u.unit_id} {u.name}" for u in plan.updated]
    if plan.notes:
        lines.append("未按文件处理：")
        lines.extend(plan.notes)
    if dry_run:
        lines.append("试运行（--dry-run）：未写入数据库。")
    return lines


def format_errors(path: str | Path, errors: Sequence[RowError]) -> str:
    head = f"{path}: 发现 {len(errors)} 处错误，未导入任何数据。"
    return "\n".join([head, *(str(e) for e in errors)])
