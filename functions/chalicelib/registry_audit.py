"""The registry's audit log: entries written inside each change's transaction, a request's mark
(a retry answers what was done), and the log of a unit read by staff over it (newest first,
paged, or as XLSX). The table is `models/registry_audit.py`; its notes say how it is keyed."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from . import clock, cursors, registry, scope
from .errors import BadRequestError, ConflictError
from .identifiers import is_client_key, is_unit_id
from .models import Member
from .models.base import Transaction
from .models.registry_audit import AuditEntry
from .scope import Caller

ACTIONS: dict[str, str] = {
    "member_add": "新增党员",
    "member_edit": "修改党员信息",
    "member_move": "调整所在支部",
    "member_roles": "调整职务",
    "member_deactivate": "停用党员",
    "unit_add": "新增单位",
    "unit_rename": "单位更名",
    "unit_move": "调整上级单位",
    "import_members": "导入党员名册",
    "import_units": "导入组织单位",
    "member_erase": "删除个人信息",
}
PAGE = 30
EXPORT_MAX = 5000
BAD_KEY = "请求编号（request_key）应为 8 至 64 位字母、数字、- 或 _"
_SORT_RE = re.compile(r"[0-9]{13}#[0-9a-f]{20}")


KEY_REUSED = "请求编号已用于其他操作"


class RequestKey(str):
    """A request key with the fingerprint of what it asks (route, target, body): its mark keeps
    the fingerprint, so the key reused for another operation is a 409, never the earlier
    answer."""

    fingerprint: str | None = None


def request_key(
    value: Any, route: str | None = None, target: str = "", body: dict[str, Any] | None = None
) -> str:
    if not is_client_key(value):
        raise BadRequestError(BAD_KEY)
    key = RequestKey(value)
    if route is not None:
        rest = {k: v for k, v in (body or {}).items() if k != "request_key"}
        text = json.dumps([route, target, rest], sort_keys=True, ensure_ascii=False, default=str)
        key.fingerprint = hashlib.sha256(text.encode()).hexdigest()
    return key


def _mark(actor_no: str, key: str) -> AuditEntry:
    return AuditEntry(f"req#{actor_no}#{key}", "mark")


def answer_of(actor_no: str, key: str) -> dict[str, Any] | None:
    """What the request `key` of this staff member answered, if it was done; 409 when the key
    was used for another operation (another route, target or body)."""
    mark = _mark(actor_no, key)
    try:
        mark.refresh(consistent_read=True)
    except AuditEntry.DoesNotExist:
        return None
    wanted = getattr(key, "fingerprint", None)
    if wanted is not None and mark.fingerprint is not None and mark.fingerprint != wanted:
        raise ConflictError(KEY_REUSED)
    return json.loads(mark.after or "{}")


def entry_id(actor_no: str, key: str) -> str:
    return hashlib.sha256(f"{actor_no}#{key}".encode()).hexdigest()[:20]


def write(
    tx: Transaction,
    actor: Member,
    key: str,
    action: str,
    target: tuple[str, str, str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    paths: Iterable[Sequence[str]],
    answer: dict[str, Any],
) -> None:
    """The entry under every unit of `paths` and the request's mark, in the change's transaction.
    `target` is (kind, id, name); `answer` is what a retry of the request gets."""
    now = clock.now()
    eid = entry_id(actor.member_no, key)
    units = sorted({u for path in paths for u in path})
    fields = {
        "entry_id": eid,
        "at": now,
        "actor_no": actor.member_no,
        "actor_name": actor.name,
        "action": action,
        "target_kind": target[0],
        "target_id": target[1],
        "target_name": target[2],
        "before": json.dumps(before, ensure_ascii=False) if before is not None else None,
        "after": json.dumps(after, ensure_ascii=False) if after is not None else None,
        "units": units,
        "mark_key": _mark(actor.member_no, key).unit_id,
    }
    sort = f"{int(now * 1000):013d}#{eid}"
    for i, unit_id in enumerate(units):
        tx.save(f"audit{i}", AuditEntry(unit_id, sort, **fields))
    mark = _mark(actor.member_no, key)
    for name, value in {**fields, "after": json.dumps(answer, ensure_ascii=False)}.items():
        setattr(mark, name, value)
    mark.fingerprint = getattr(key, "fingerprint", None)
    tx.save("mark", mark, condition=AuditEntry.unit_id.does_not_exist())


# --- reading -----------------------------------------------------------------------------------


def _view(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.entry_id,
        "time": int(e.at),
        "actor": {"member_no": e.actor_no, "name": e.actor_name},
        "action": e.action,
        "action_label": ACTIONS.get(e.action, e.action),
        "target": {"kind": e.target_kind, "id": e.target_id, "name": e.target_name},
        "before": json.loads(e.before) if e.before else None,
        "after": json.loads(e.after) if e.after else None,
    }


def _readable_unit(caller: Caller, unit_id: str) -> None:
    """Read access to the unit; an unknown id is refused exactly like one out of scope."""
    unit = None
    if is_unit_id(unit_id):
        try:
            unit = registry.get_unit(unit_id)
        except Exception:  # NotFoundError: answered as out of scope below
            unit = None
    scope.require_unit(caller, unit.path if unit else (), "read")


def page(
    caller: Caller, unit_id: str, cursor: str | None = None, limit: str | None = None
) -> dict[str, Any]:
    """A page of the unit's log, newest first: `{"entries", "next"}` (`limit` 1–100)."""
    _readable_unit(caller, unit_id)
    size = PAGE
    if limit is not None:
        if not limit.isdigit() or not 1 <= int(limit) <= 100:
            raise BadRequestError("每页条数（limit）应为 1 至 100")
        size = int(limit)
    start = None
    if cursor:
        start = cursors.decode(
            cursor,
            {"unit_id": lambda v: v == unit_id, "sort": lambda v: bool(_SORT_RE.fullmatch(v))},
        )
    result = AuditEntry.query(
        unit_id, scan_index_forward=False, limit=size, last_evaluated_key=start
    )
    entries = [_view(e) for e in result]
    return {"entries": entries, "next": cursors.encode(result.last_evaluated_key)}


def export_rows(caller: Caller, unit_id: str) -> list[dict[str, Any]]:
    """The whole log (at most EXPORT_MAX entries), as rows for the XLSX."""
    _readable_unit(caller, unit_id)
    rows = []
    for e in AuditEntry.query(unit_id, scan_index_forward=False, limit=EXPORT_MAX):
        v = _view(e)
        rows.append(
            {
                "at": datetime.fromtimestamp(v["time"], clock.TZ).strftime("%Y-%m-%d %H:%M:%S"),
                "actor": f"{e.actor_name}（{e.actor_no}）",
                "action": v["action_label"],
                "target": f"{e.target_name}（{e.target_id}）",
                "before": as_text(v["before"]),
                "after": as_text(v["after"]),
            }
        )
    return rows


def as_text(values: dict[str, Any] | None) -> str:
    """「姓名：王芳；职务：支部书记、支部委员」 from an entry's before / after."""
    from .web import FIELD_LABELS

    if not values:
        return ""
    parts = []
    for name, value in values.items():
        shown = "、".join(map(str, value)) if isinstance(value, list) else value
        parts.append(f"{FIELD_LABELS.get(name, name)}：{'' if shown is None else shown}")
    return "；".join(parts)


EXPORT_COLUMNS = (
    ("at", "时间"),
    ("actor", "操作人"),
    ("action", "操作"),
    ("target", "对象"),
    ("before", "修改前"),
    ("after", "修改后"),
)
