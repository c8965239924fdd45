"""Org units in the browser (党务工作台): the tree of the caller's scope, and add, rename and move
a unit — each within her MANAGE scope, each checked by the unit import's rules
(`registry_import.validate_units`: kinds, no cycle, depth), each one transaction with its audit
entry. No delete: a unit with members or units below stays; an empty one is harmless.

A move rewrites the path of the unit and of every unit below it in the same transaction (each
conditioned on the path it read), so a member's scope follows at once (it is computed from her
branch's path on every request), and bumps the registry's version for the ranking job.
"""

from __future__ import annotations

from typing import Any

from . import registry, scope, unit_paths
from .errors import ConflictError, ForbiddenError
from .identifiers import is_unit_id
from .models import OrgUnit
from .models.base import Transaction
from .org import UNIT_KINDS
from .registry_audit import answer_of, request_key, write
from .registry_import import UnitRecord, unit_record, validate_units
from .registry_upkeep import FORBIDDEN, FieldError, _bump_ranking, _commit, field_error
from .scope import Caller
from .spreadsheet import Row

STALE = "该单位的信息刚被他人修改，请刷新后重试"
MAX_MOVED = 80  # units rewritten by one move: a transaction holds at most 100 items
UNIT_HEADERS = ("单位编号", "单位名称", "单位类型", "上级单位编号")


def _unit(unit_id: Any) -> OrgUnit | None:
    if not is_unit_id(unit_id):
        return None
    try:
        return registry.get_unit(unit_id)
    except Exception:  # NotFoundError
        return None


def _managed(caller: Caller, unit_id: Any) -> OrgUnit:
    unit = _unit(unit_id)
    if unit is None or scope.unit_access(caller, unit.path) != "manage":
        raise ForbiddenError(FORBIDDEN)
    return unit


def _managed_parent(caller: Caller, unit_id: Any) -> OrgUnit:
    unit = _unit(unit_id)
    if unit is None or scope.unit_access(caller, unit.path) != "manage":
        raise FieldError("parent_id", "上级单位编号：找不到该单位，或不在您的管理范围内")
    return unit


def subtree(root: OrgUnit) -> list[OrgUnit]:
    """The unit and every unit below it (one Query per unit that can have children)."""
    out, todo = [root], [root]
    while todo:
        unit = todo.pop()
        if unit.kind == "branch":
            continue
        for child in OrgUnit.children.query(unit.unit_id):
            out.append(child)
            todo.append(child)
    return out


def _path_records(unit: OrgUnit) -> list[UnitRecord]:
    units = {u.unit_id: u for u in OrgUnit.batch_get(list(unit.path))}
    return [unit_record(units[u]) for u in unit.path if u in units]


def _row(unit_id: str, name: str, kind: str, parent_id: str | None) -> Row:
    values = (unit_id, name, UNIT_KINDS.get(kind, kind), parent_id or "")
    return Row(0, dict(zip(UNIT_HEADERS, values, strict=True)))


def _text(body: dict[str, Any], name: str, label: str) -> str:
    value = body.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(name, f"{label}：应为文字")
    return value.strip()


def tree(caller: Caller) -> dict[str, Any]:
    """Every unit of the caller's scope, as a flat list in tree order, with her access."""
    roots = [u for u in registry.unit_names(scope.grants(caller))]  # ids that exist
    roots_units = [_unit(u) for u in roots]
    seen: set[str] = set()
    units: list[dict[str, Any]] = []
    for root in sorted((u for u in roots_units if u), key=lambda u: len(u.path)):
        if root.unit_id in seen:
            continue
        for unit in sorted(subtree(root), key=lambda u: (len(u.path), u.sort_order or 0)):
            if unit.unit_id in seen:
                continue
            seen.add(unit.unit_id)
            units.append(
                {
                    "id": unit.unit_id,
                    "name": unit.name,
                    "kind": unit.kind,
                    "kind_label": UNIT_KINDS.get(unit.kind, unit.kind),
                    "parent_id": unit.parent_id,
                    "path": list(unit.path),
                    "sort_order": int(unit.sort_order or 0),
                    "access": scope.unit_access(caller, unit.path),
                    "rev": shown_rev(unit),
                }
            )
    if not units:
        raise ForbiddenError("仅党务工作人员可使用工作台")
    return {"units": units}


def _view(unit: OrgUnit) -> dict[str, Any]:
    return {
        "id": unit.unit_id,
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": unit.parent_id,
        "path": list(unit.path),
        "rev": shown_rev(unit),
    }


# JavaScript's exact integers: a page reads `rev` with JSON.parse and sends it back.
_JS_EXACT = 2**53


def shown_rev(unit: OrgUnit) -> int:
    """The `rev` a page sees: the stored counter, or for a unit an older import stamped with
    time.time_ns() (beyond 2**53), that stamp folded below 2**53 (the write's own condition
    stays on the stored value)."""
    return int(unit.rev or 0) % _JS_EXACT


def _rev_condition(unit: OrgUnit, client_rev: Any) -> Any:
    if client_rev is not None and (
        not isinstance(client_rev, int)
        or isinstance(client_rev, bool)
        or client_rev != shown_rev(unit)
    ):
        raise ConflictError(STALE)
    rev = OrgUnit.rev.does_not_exist() if unit.rev is None else OrgUnit.rev == unit.rev
    return rev & (OrgUnit.path == list(unit.path))


def _commit_unit(build, actor_no: str, key: str) -> dict[str, Any] | None:
    try:
        return _commit(build, actor_no, key)
    except ConflictError:
        raise ConflictError(STALE) from None


def add_unit(caller: Caller, actor, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    key = request_key(body.get("request_key"), "unit_add", "", body)
    if (done := answer_of(actor.member_no, key)) is not None:
        return done, False
    parent = _managed_parent(caller, body.get("parent_id"))
    unit_id = _text(body, "unit_id", "单位编号")
    name = _text(body, "name", "单位名称")
    kind = _text(body, "kind", "单位类型")
    records, errors = validate_units(
        [_row(unit_id, name, kind, parent.unit_id)], _path_records(parent), leaf_ok=True
    )
    if errors:
        raise field_error(errors[0])
    record = next(r for r in records if r.unit_id == unit_id)
    siblings = list(OrgUnit.children.query(parent.unit_id))
    unit = OrgUnit(
        unit_id,
        name=record.name,
        kind=record.kind,
        parent_id=parent.unit_id,
        path=list(record.path),
        path_kinds=list(record.path_kinds),
        sort_order=max([int(s.sort_order or 0) for s in siblings] + [int(parent.sort_order or 0)])
        + 1,
        rev=1,
    )
    answer = {"unit": _view(unit)}
    after = {"unit_id": unit_id, "name": unit.name, "kind": unit.kind, "parent_id": parent.unit_id}

    def build(tx: Transaction) -> None:
        tx.save("unit", unit, condition=OrgUnit.unit_id.does_not_exist())
        _bump_ranking(tx)
        write(
            tx,
            actor,
            key,
            "unit_add",
            ("unit", unit_id, unit.name),
            None,
            after,
            [unit.path],
            answer,
        )

    try:
        done = _commit(build, actor.member_no, key)
    except ConflictError:
        raise FieldError("unit_id", "单位编号：该单位编号已被使用") from None
    return (done, False) if done is not None else (answer, True)


def rename_unit(
    caller: Caller, actor, unit_id: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    key = request_key(body.get("request_key"), "unit_rename", unit_id, body)
    if (done := answer_of(actor.member_no, key)) is not None:
        return done, False
    unit = _managed(caller, unit_id)
    condition = _rev_condition(unit, body.get("rev"))
    name = _text(body, "name", "单位名称")
    _, errors = validate_units(
        [_row(unit.unit_id, name, unit.kind, unit.parent_id)], _path_records(unit), leaf_ok=True
    )
    if errors:
        raise field_error(errors[0])
    if name == unit.name:
        return {"unit": _view(unit), "unchanged": True}, False
    before = {"name": unit.name}
    unit.name, unit.rev = name, int(unit.rev or 0) + 1
    answer = {"unit": _view(unit)}
    actions = [OrgUnit.name.set(name), OrgUnit.rev.add(1)]

    def build(tx: Transaction) -> None:
        tx.update("unit", OrgUnit(unit.unit_id), actions=actions, condition=condition)
        _bump_ranking(tx)
        unit_paths.bump(tx)  # the records' copies of its name follow (unit_paths.run)
        write(
            tx, actor, key, "unit_rename", ("unit", unit.unit_id, name), before,
            {"name": name}, [unit.path], answer,
        )  # fmt: skip

    done = _commit_unit(build, actor.member_no, key)
    return (done, False) if done is not None else (answer, True)


def move_unit(
    caller: Caller, actor, unit_id: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    key = request_key(body.get("request_key"), "unit_move", unit_id, body)
    if (done := answer_of(actor.member_no, key)) is not None:
        return done, False
    unit = _managed(caller, unit_id)
    condition = _rev_condition(unit, body.get("rev"))
    old_parent = _unit(unit.parent_id) if unit.parent_id else None
    if old_parent is None or scope.unit_access(caller, old_parent.path) != "manage":
        raise ForbiddenError("调整上级单位须同时管理原上级单位和新上级单位")
    new_parent = _managed_parent(caller, body.get("parent_id"))
    if new_parent.unit_id == old_parent.unit_id:
        raise FieldError("parent_id", "上级单位编号：该单位已在这个上级单位之下")
    below = subtree(unit)
    if len(below) > MAX_MOVED:
        raise ConflictError(f"该单位及其下级单位超过 {MAX_MOVED} 个，请用单位导入调整")
    stored = {u.unit_id: unit_record(u) for u in below}
    for record in _path_records(new_parent):
        stored.setdefault(record.unit_id, record)
    records, errors = validate_units(
        [_row(unit.unit_id, unit.name, unit.kind, new_parent.unit_id)],
        stored.values(),
        leaf_ok=True,
    )
    if errors:
        raise field_error(errors[0])
    new_paths = {r.unit_id: r for r in records}
    items = {u.unit_id: u for u in below}
    before = {"parent_id": old_parent.unit_id, "parent": old_parent.name}
    after = {"parent_id": new_parent.unit_id, "parent": new_parent.name}
    moved = new_paths[unit.unit_id]
    answer_unit = _view(unit)
    answer_unit.update(
        parent_id=new_parent.unit_id, path=list(moved.path), rev=int(unit.rev or 0) + 1
    )
    answer = {"unit": answer_unit}

    def build(tx: Transaction) -> None:
        for uid, record in new_paths.items():
            if uid not in items:
                continue
            read = items[uid]
            actions = [
                OrgUnit.path.set(list(record.path)),
                OrgUnit.path_kinds.set(list(record.path_kinds)),
            ]
            if uid == unit.unit_id:
                actions += [OrgUnit.parent_id.set(new_parent.unit_id), OrgUnit.rev.add(1)]
                tx.update("unit", OrgUnit(uid), actions=actions, condition=condition)
            else:
                tx.update(
                    f"below-{uid}",
                    OrgUnit(uid),
                    actions=actions,
                    condition=OrgUnit.path == list(read.path),
                )
        _bump_ranking(tx)
        unit_paths.bump(tx)  # the records' copies of the paths follow (unit_paths.run)
        write(
            tx, actor, key, "unit_move", ("unit", unit.unit_id, unit.name), before, after,
            [unit.path, moved.path], answer,
        )  # fmt: skip

    done = _commit_unit(build, actor.member_no, key)
    return (done, False) if done is not None else (answer, True)
