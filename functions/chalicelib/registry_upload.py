"""The registry import as an upload in the console: the same reading (`spreadsheet`), the same
checks and plan (`registry_import`), the same report, all or nothing — plus the caller's scope:
every row must lie within the units she MANAGES (a row naming a branch, a parent or a member
outside it is a row error), and a row may grant a role only as the console's form may
(`registry_upkeep.check_grant`).

How the file arrives: as base64 in the JSON body (`POST /api/registry/import`, up to
`UPLOAD_MAX_BYTES` of file). A registry spreadsheet is small (a 5,000-member XLSX is about
250 KB), the check must answer in the same request with its row/field report (预览 first, then
导入 with the same file), and nothing has to be stored or cleaned up in between — the pre-signed
S3 flow of the uploads module suits photos from phones, not a file read once and thrown away.

Reads: the caller's managed subtrees (one Query per unit that can have children), the file's
member numbers or unit ids by key (BatchGetItem) — never a Scan. The console does not offer
`--deactivate-missing`: deactivation is a form of its own.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any

from . import registry, scope
from .errors import BadRequestError, PayloadTooLargeError
from .models import Member, OrgUnit
from .models.base import Transaction, TransactionCancelled
from .registry_audit import answer_of, request_key, write
from .registry_import import (
    ERASED,
    MEMBER_HEADERS,
    MEMBER_REQUIRED,
    UNIT_HEADERS,
    MemberRecord,
    RowError,
    UnitRecord,
    apply_member_import,
    apply_unit_import,
    kind_change_errors,
    member_summary,
    plan_member_import,
    plan_unit_import,
    unit_record,
    unit_summary,
    validate_members,
    validate_units,
)
from .registry_units import subtree
from .registry_upkeep import EDITABLE, FieldError, check_grant
from .scope import Caller
from .spreadsheet import TableError, read_upload

UPLOAD_MAX_BYTES = 1_500_000  # the file; its base64 and the JSON around it fit web.py's limit
MAX_ROWS = 5000
NOT_MANAGED_BRANCH = "找不到该党支部，或不在您的管理范围内"


class ReportError(BadRequestError):
    """400 with the row/field report: nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"发现 {len(errors)} 处错误，未导入任何数据")
        self.errors = errors

    def to_response(self):  # type: ignore[no-untyped-def]
        response = super().to_response()
        response.body = {**response.body, "Errors": [_error_view(e) for e in self.errors]}
        return response


def _error_view(e: RowError) -> dict[str, Any]:
    return {"row": e.row, "field": e.field, "message": e.message, "value": e.value, "text": str(e)}


def _file(body: dict[str, Any]) -> tuple[str, bytes]:
    name = body.get("filename")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise FieldError("filename", "文件：请选择 .csv 或 .xlsx 文件")
    content = body.get("content")
    if not isinstance(content, str) or not content:
        raise FieldError("content", "文件：内容为空")
    if len(content) > UPLOAD_MAX_BYTES * 4 // 3 + 4:
        raise PayloadTooLargeError(f"文件过大（上限 {UPLOAD_MAX_BYTES // 1000} KB）")
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise FieldError("content", "文件：内容不是有效的 base64 编码") from None
    return name.strip(), data


def _managed_units(caller: Caller) -> tuple[dict[str, UnitRecord], set[str]]:
    """Every unit of the caller's managed subtrees, with their ancestors (the rules need the
    kinds above a branch); and the set of managed ids."""
    roots = [u for u, grant in scope.grants(caller).items() if grant == "manage"]
    managed: dict[str, OrgUnit] = {}
    for unit_id in roots:
        if unit_id in managed:
            continue
        try:
            root = registry.get_unit(unit_id)
        except Exception:  # NotFoundError: a role over a unit that is gone
            continue
        for unit in subtree(root):
            managed[unit.unit_id] = unit
    if not managed:
        from .errors import ForbiddenError

        raise ForbiddenError("无权查看或管理该组织、党员的信息")
    above = {u for unit in managed.values() for u in unit.path} - set(managed)
    units = {u.unit_id: unit_record(u) for u in managed.values()}
    if above:
        for unit in OrgUnit.batch_get(sorted(above)):
            units[unit.unit_id] = unit_record(unit)
    return units, set(managed)


def run(caller: Caller, actor: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """预览 (`apply` false) or 导入 (`apply` true) of a members or units file."""
    kind = body.get("kind")
    if kind not in ("members", "units"):
        raise FieldError("kind", "导入类型：应为 members（党员名册）或 units（组织单位）")
    apply = body.get("apply") is True
    key = request_key(body.get("request_key"), "import", "", body)
    # Scope first: a caller who manages nothing is refused before her file is even decoded.
    units, managed = _managed_units(caller)
    if apply and (done := answer_of(actor.member_no, key)) is not None:
        return done, False
    name, data = _file(body)
    try:
        if kind == "members":
            rows = read_upload(data, name, MEMBER_HEADERS, MEMBER_REQUIRED, MAX_ROWS)
        else:
            rows = read_upload(data, name, UNIT_HEADERS, max_rows=MAX_ROWS)
    except TableError as exc:
        raise FieldError("content", f"文件：{exc}") from None
    if kind == "members":
        return _members(caller, actor, key, rows, units, managed, apply)
    return _units(caller, actor, key, rows, units, managed, apply)


def _members(caller, actor, key, rows, units, managed, apply) -> tuple[dict[str, Any], bool]:
    records, errors = validate_members(rows, units.values())
    errors = [
        replace(e, message=NOT_MANAGED_BRANCH)
        if e.field == "所在支部" and e.message == "找不到该党支部"
        else e
        for e in errors
    ]
    numbers = sorted({r.member_no for r in records})
    stored = {m.member_no: m for m in Member.batch_get(numbers)} if numbers else {}
    existing: list[MemberRecord] = []
    for r in records:
        m = stored.get(r.member_no)
        if m is None:
            _row_grants(caller, r, None, units, errors)
            continue
        if m.branch_id not in managed:
            message = "该党员编号已被使用，或该党员不在您的管理范围内"
            errors.append(RowError(r.row, "党员编号", message, r.member_no))
            continue
        if m.erased_at is not None:  # an anonymised placeholder: never written by a file
            errors.append(RowError(r.row, "党员编号", ERASED, r.member_no))
            continue
        before = MemberRecord(
            m.member_no, m.name, m.gender, m.phone, m.branch_id, m.status,
            tuple(m.roles or ()), m.joined_on, bool(m.active),
            birth_date=m.birth_date, education=m.education, occupation=m.occupation,
            transfer_id=m.transfer_id, placed_by=m.placed_by,
            transferred_out=m.transferred_out_at is not None,
            erased=m.erased_at is not None,
            rev=None if m.rev is None else int(m.rev),
        )  # fmt: skip
        existing.append(before)
        _row_grants(caller, r, before, units, errors)
    if errors:
        raise ReportError(sorted(errors, key=lambda e: e.row))
    plan = plan_member_import(records, existing)
    if plan.errors:
        raise ReportError(plan.errors)
    if not apply:
        return _member_report(plan, False), False
    apply_member_import(plan)  # 通讯录: one entry per member written, no Scan
    report = _member_report(plan, True)  # what was written: skipped rows are in its notes
    branches = {r.branch_id for r in plan.added} | {c.record.branch_id for c in plan.updated}
    branches |= {c.before.branch_id for c in plan.updated if c.before is not None}
    after = {"added": len(plan.added), "updated": len(plan.updated)}
    named = [*records, *existing, *plan.missing]
    kept = _numbers_only(report, named)  # the mark a retry answers from: no member's name
    _audit(actor, key, "import_members", after, [units[b].path for b in branches], kept)
    return report, True


def _numbers_only(report: dict[str, Any], named: list[MemberRecord]) -> dict[str, Any]:
    """The report as stored in the request's mark: each "<number> <name>" of its lines (更新…,
    文件中没有…, 第 n 行…) without the name. A mark outlives a member's deletion of personal
    data, which finds her items by her number, not the imports that named her; so the names
    are only in the live response (a retry of the request answers the numbers)."""
    pairs = sorted({(m.member_no, m.name) for m in named if m.name}, key=lambda p: -len(p[1]))
    lines = []
    for line in report["lines"]:
        for no, name in pairs:
            line = line.replace(f"{no} {name}", no)
        lines.append(line)
    return {**report, "lines": lines}


def _member_report(plan, applied: bool) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    counts = {"added": len(plan.added), "updated": len(plan.updated)}
    counts["unchanged"] = len(plan.unchanged)
    lines = member_summary(plan, False, False)
    return {"kind": "members", "applied": applied, "lines": lines, "counts": counts}


def _unit_report(plan, applied: bool) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    counts = {"added": len(plan.added), "updated": len(plan.updated)}
    counts["unchanged"] = len(plan.unchanged)
    lines = unit_summary(plan, False)
    return {"kind": "units", "applied": applied, "lines": lines, "counts": counts}


def _row_grants(caller, record, before, units, errors) -> None:
    """A row's roles as the console's role form allows them (nobody grants beyond her scope);
    and a role holder is brought back or edited only by whoever could withdraw each of her
    roles (the console's rule for acting on a holder)."""
    old_roles = list(before.roles) if before is not None else []
    moved = before is not None and before.branch_id != record.branch_id
    branch = _as_unit(units[record.branch_id])
    if before is not None and old_roles and (_revives(record, before) or _edits(record, before)):
        try:
            check_grant(caller, "", _as_unit(units[before.branch_id]), old_roles, [])
        except FieldError:
            what = "恢复其在册状态" if _revives(record, before) else "修改其信息"
            message = f"该党员担任的职务不在您的管理范围内，您不能{what}"
            errors.append(RowError(record.row, "职务", message))
            return
    try:
        if moved:
            check_grant(caller, record.member_no, _as_unit(units[before.branch_id]), old_roles, [])
            check_grant(caller, record.member_no, branch, [], list(record.roles))
        else:
            check_grant(caller, record.member_no, branch, old_roles, list(record.roles))
    except FieldError as exc:
        message = exc.message.removeprefix("职务：")
        errors.append(RowError(record.row, "职务", message))


def _revives(record: MemberRecord, before: MemberRecord) -> bool:
    """The row makes an inactive member active again (the plan keeps inactive whoever was
    transferred out or deactivated in the console)."""
    kept = before.transferred_out or before.placed_by == "console"
    return record.active and not before.active and not kept


def _edits(record: MemberRecord, before: MemberRecord) -> bool:
    fields = [f for f in EDITABLE if f not in record.absent]
    return any(getattr(record, f) != getattr(before, f) for f in fields)


def _as_unit(record: UnitRecord) -> OrgUnit:
    return OrgUnit(record.unit_id, path=list(record.path), path_kinds=list(record.path_kinds))


def _units(caller, actor, key, rows, units, managed, apply) -> tuple[dict[str, Any], bool]:
    records, errors = validate_units(rows, units.values())
    ids = sorted({r.unit_id for r in records})
    stored_anywhere = {u.unit_id for u in OrgUnit.batch_get(ids)} if ids else set()
    in_file = {r.unit_id for r in records}
    for r in records:
        if r.row == 0:  # a stored unit whose path follows a moved ancestor
            continue
        before = units.get(r.unit_id)
        if before is None and r.unit_id in stored_anywhere:
            errors.append(RowError(r.row, "单位编号", "该单位编号已被使用", r.unit_id))
            continue
        if before is not None and r.unit_id not in managed:
            errors.append(RowError(r.row, "单位编号", "不在您的管理范围内", r.unit_id))
            continue
        if r.parent_id is None:
            errors.append(RowError(r.row, "上级单位编号", "须填写您管理范围内的上级单位"))
            continue
        new_ok = r.parent_id in managed or r.parent_id in in_file
        old_ok = before is None or before.parent_id == r.parent_id or before.parent_id in managed
        if before is not None and before.parent_id == r.parent_id:
            continue
        if not (new_ok and old_ok):
            message = "上级单位不在您的管理范围内（调整上级单位须同时管理原上级和新上级）"
            errors.append(RowError(r.row, "上级单位编号", message, r.parent_id))
    errors += kind_change_errors(records, units.values())
    if errors:
        raise ReportError(sorted(errors, key=lambda e: e.row))
    plan = plan_unit_import(records, units.values())
    if not apply:
        return _unit_report(plan, False), False
    apply_unit_import(plan)
    report = _unit_report(plan, True)  # what was written: skipped rows are in its notes
    changed = [*plan.added, *plan.updated]
    after = {"added": len(plan.added), "updated": len(plan.updated)}
    _audit(actor, key, "import_units", after, [u.path for u in changed], report)
    return report, True


def _audit(actor, key, action, after, paths, report) -> None:
    """The import's entry under every unit it touched. An import is many writes (as the
    command's): its entry and mark come last, in batches of one transaction each."""
    paths = [p for p in paths if p]
    units = sorted({u for p in paths for u in p})
    chunks = [units[i : i + 90] for i in range(0, len(units), 90)] or [[]]
    target = ("import", key, "党员名册" if action == "import_members" else "组织单位")
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        try:
            with Transaction() as tx:
                write(tx, actor, key if last else f"{key}~{i}", action, target,
                      None, after, [chunk], report)  # fmt: skip
        except TransactionCancelled as exc:
            # A retry after a failure between batches: the batch written then stays as it is.
            if last or not exc.failed("mark"):
                raise
