"""组织关系转接: a member's transfer to another branch of the organisation, out to another
organisation (a numbered 介绍信, ended by the receipt) and in from one (confirmed on receipt).

Who acts (through the one scope check, `scope.py`):
- internal: the sending branch's staff (`manage` over the member's branch) start it — starting
  is the sending branch's approval — and may withdraw it while open; the receiving branch's
  staff approve or refuse it (a refusal needs a reason). On approval her `branch_id` changes.
  Two approvals mean two people: a superior who manages both branches (党总支委员, 党委委员,
  admin) may act for either side, but not for both on one transfer — the one who started it
  cannot approve or refuse it for the receiving branch (`SAME_PERSON`).
- out: the sending branch's staff start it, which issues the letter; they record the receipt
  (回执: she is transferred out, no longer an active member, her records kept) or the letter's
  return (refuse).
- in: the receiving branch's staff register her; on the receipt they confirm her and she
  becomes an active member of the branch.

Exact under retries and parallel staff: every move is ONE transaction of the transfer (its state
conditioned on "pending") and the member (conditioned on carrying this transfer's id and on her
branch), so two approvals move her once. What follows the move (her invitations to the old
branch's meetings not yet held are withdrawn, the ranking job told to re-read the registry, the
message to her) is idempotent and ends by setting `settled_at`; a transfer done but not settled
is settled again by any later act on it (the retry of the approval after a failure in between).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from . import clock, directory, outbox, ranking_log, recruitment, registry, scope
from .errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from .identifiers import is_client_key, is_member_no, is_unit_id
from .models import Attendance, Meeting, Member, OrgUnit
from .models.base import Transaction, TransactionCancelled, condition_failed
from .models.registry import remind_key
from .models.transfers import LetterCounter, Step, Transfer
from .org import ROLES, STATUS_LABELS
from .scope import Caller

# [0-9], never \d: \d also matches full-width and other scripts' digits.
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
PHONE = re.compile(r"[0-9]{7,15}")
EARLIEST_JOIN = date(1921, 7, 1)  # the Party's founding day
DEFAULT_DAYS = 30  # used only when reminders.toml has no transfer_overdue entry
REASON_MAX = 200
ORG_MAX = 60
LETTER_MAX = 40
NOT_FOUND = "转接记录不存在或您无权查看"
SAME_PERSON = "发起转接即代表转出支部同意，接收支部的意见须由另一位党务管理人员办理"
NOT_MANAGED = "党员不存在，或不是您管理范围内的在册党员"
# Said at the confirmation of an arrival whose number is already used: neither whose nor where.
IN_NUMBER_TAKEN = "该党员编号已被使用，无法确认接收；请核实介绍信上的党员编号后撤回并重新登记"
ACT_LABELS = {
    "start": "发起（转出支部同意）",
    "letter": "开具介绍信",
    "register": "登记转入",
    "approve": "接收支部同意",
    "refuse": "接收支部不同意",
    "receipt": "确认回执",
    "returned": "介绍信退回",
    "confirm": "确认接收",
    "cancel": "撤回",
}
KIND_LABELS = {"internal": "组织内转接", "out": "转出本组织", "in": "从外组织转入"}
STATE_LABELS = {"pending": "办理中", "done": "已办结", "refused": "未通过", "cancelled": "已撤回"}


def prescribed_days() -> int:
    """The prescribed time, in one place: the `days` of reminders.toml's transfer_overdue."""
    from . import reminder_defs

    try:
        return int(reminder_defs.by_key("transfer_overdue").params.get("days", DEFAULT_DAYS))
    except KeyError:
        return DEFAULT_DAYS


def elapsed_days(t: Transfer, today: date | None = None) -> int:
    """Calendar days (Beijing) since the start: the start day is day 0."""
    start = datetime.fromtimestamp(t.started_at, clock.TZ).date()
    return ((today or clock.today()) - start).days


def is_overdue(t: Transfer, today: date | None = None, days: int | None = None) -> bool:
    """Open past the prescribed time: on day `days` it is still in time, the day after not."""
    limit = prescribed_days() if days is None else days
    return t.state == "pending" and elapsed_days(t, today) > limit


def waiting_step(t: Transfer) -> str:
    """What an open transfer waits for, in words."""
    return {"internal": "接收支部确认", "out": "回执确认", "in": "接收确认"}[t.kind]


# --- reading ----------------------------------------------------------------------------------


def load(transfer_id: str, *, consistent: bool = False) -> Transfer:
    if not isinstance(transfer_id, str) or not transfer_id.startswith("tr_"):
        raise NotFoundError(NOT_FOUND)
    if not is_client_key(transfer_id[3:]):
        raise NotFoundError(NOT_FOUND)
    try:
        return Transfer.get(transfer_id, consistent_read=consistent)
    except Transfer.DoesNotExist:
        raise NotFoundError(NOT_FOUND) from None


def _sides(caller: Caller, t: Transfer) -> tuple[scope.Access, scope.Access]:
    """The caller's access to the sending and to the receiving side."""
    send = scope.unit_access(caller, t.from_path) if t.from_path else "none"
    recv = scope.unit_access(caller, t.to_path) if t.to_path else "none"
    return send, recv


def view(caller: Caller, t: Transfer, unit_id: str | None = None) -> dict[str, Any]:
    send, recv = _sides(caller, t)
    days = prescribed_days()
    direction = None
    if unit_id:  # as the unit's list sees it; "within": between two branches under it
        sends, receives = unit_id in (t.from_path or []), unit_id in (t.to_path or [])
        direction = "within" if sends and receives else "out" if sends else "in"
    return {
        "id": t.transfer_id,
        "kind": t.kind,
        "kind_label": KIND_LABELS[t.kind],
        "state": t.state,
        "state_label": STATE_LABELS.get(t.state, t.state),
        "member_no": t.member_no,
        "member_name": t.member_name,
        "status_label": STATUS_LABELS.get(t.status or "", ""),
        "joined_on": t.joined_on,
        "from": {"id": t.from_unit, "name": t.from_name} if t.from_unit else None,
        "to": {"id": t.to_unit, "name": t.to_name} if t.to_unit else None,
        "other_org": t.other_org,
        "letter_no": t.letter_no,
        "reason": t.reason,
        "started_at": int(t.started_at),
        "ended_at": int(t.ended_at) if t.ended_at else None,
        "waiting": waiting_step(t) if t.state == "pending" else None,
        "days": elapsed_days(t),
        "limit_days": days,
        "overdue": is_overdue(t, days=days),
        "direction": direction,
        "steps": [
            {
                "act": s.act,
                "label": ACT_LABELS.get(s.act, s.act),
                "by": s.by,
                "by_name": s.by_name,
                "time": int(s.at),
                "note": s.note,
            }
            for s in t.steps or []
        ],
        "may": _may(t, send, recv, caller.member_no),
    }


def _may(t: Transfer, send: scope.Access, recv: scope.Access, who: str) -> list[str]:
    """The decisions the caller (member number `who`) may take now (the page's buttons)."""
    if t.state != "pending":
        return []
    if t.kind == "internal":
        receives = recv == "manage" and who != t.started_by
        return (["approve", "refuse"] if receives else []) + (
            ["cancel"] if send == "manage" else []
        )
    if t.kind == "out":
        return ["receipt", "returned"] if send == "manage" else []
    return ["confirm", "cancel"] if recv == "manage" else []


def detail(caller: Caller, transfer_id: str) -> dict[str, Any]:
    """Staff who read either side, and the member herself; anyone else gets the 404."""
    t = load(transfer_id)
    settle_if_needed(t)
    send, recv = _sides(caller, t)
    if send == "none" and recv == "none" and caller.member_no != t.member_no:
        raise NotFoundError(NOT_FOUND)
    out = view(caller, t)
    out["org_name"] = registry.unit_names([t.org]).get(t.org, "")  # the letter's signature
    return out


def unit_list(caller: Caller, unit_id: str) -> dict[str, Any]:
    """A unit's transfers, outgoing and incoming, open first (staff; superiors read)."""
    try:
        unit = registry.get_unit(unit_id)
    except NotFoundError:  # answered as a unit out of scope: nobody learns which ids exist
        scope.require_unit(caller, (), "read")
        raise
    scope.require_unit(caller, unit.path, "read")
    rows = [
        t
        for t in Transfer.by_org.query(unit.path[0], scan_index_forward=False)
        if unit_id in (t.from_path or []) or unit_id in (t.to_path or [])
    ]
    items = [view(caller, t, unit_id) for t in rows]
    items.sort(key=lambda r: (r["state"] != "pending", -r["started_at"]))
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "limit_days": prescribed_days(),
        "manage": scope.unit_access(caller, unit.path) == "manage",
        "transfers": items,
    }


def branches(caller: Caller) -> dict[str, Any]:
    """The organisation's branches (names only): where a member may be transferred to."""
    found: list[OrgUnit] = []
    todo = [caller.path[0]] if caller.path else []
    while todo:  # the tree by parent, one Query a unit above the branches (a few dozen)
        parent = todo.pop()
        for unit in OrgUnit.children.query(parent):
            if unit.kind == "branch":
                found.append(unit)
            else:
                todo.append(unit.unit_id)
    units = sorted(found, key=lambda u: (list(u.path[:-1]), int(u.sort_order or 0), u.unit_id))
    return {"branches": [{"id": u.unit_id, "name": u.name} for u in units]}


def mine(member: Member) -> dict[str, Any]:
    """Her own open transfer, if any (what is asked of whom, since when)."""
    if not member.transfer_id:
        return {"transfer": None}
    try:
        t = Transfer.get(member.transfer_id)
    except Transfer.DoesNotExist:
        return {"transfer": None}
    return {
        "transfer": {
            "id": t.transfer_id,
            "kind_label": KIND_LABELS[t.kind],
            "state_label": STATE_LABELS.get(t.state, t.state),
            "to": t.to_name or t.other_org,
            "waiting": waiting_step(t) if t.state == "pending" else None,
            "started_at": int(t.started_at),
        }
    }


# --- checks -----------------------------------------------------------------------------------


def _text(value: Any, label: str, max_chars: int, *, required: bool = True) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise BadRequestError(f"请填写{label}")
        return None
    if len(text) > max_chars:
        raise BadRequestError(f"{label}过长（最多 {max_chars} 字）")
    return text


def _unit(unit_id: Any) -> OrgUnit | None:
    if not is_unit_id(unit_id):
        return None
    try:
        return OrgUnit.get(unit_id)
    except OrgUnit.DoesNotExist:
        return None


def _branch(unit_id: Any, label: str, org: str) -> OrgUnit:
    """A branch of the organisation `org`; a unit of another organisation answers as an
    unknown one (the organisation's branches are listed to its staff, no one else's)."""
    unit = _unit(unit_id)
    if unit is None or unit.path[0] != org:
        raise BadRequestError(f"{label}不存在或不在本组织内；转往其他组织请开具介绍信")
    if unit.kind != "branch":
        raise BadRequestError(f"{label}须为党支部")
    return unit


def _arrival_branch(caller: Caller, unit_id: Any) -> OrgUnit:
    """The branch an arrival is registered into: unknown and out of scope answer alike."""
    unit = _unit(unit_id)
    if unit is None or scope.unit_access(caller, unit.path) != "manage":
        raise ForbiddenError("接收支部不存在或不在您的管理范围内")
    if unit.kind != "branch":
        raise BadRequestError("接收支部须为党支部")
    return unit


def _managed_member(caller: Caller, member_no: Any) -> tuple[Member, OrgUnit]:
    """An active member whose branch the caller manages. Unknown, inactive and out of scope
    answer alike (one status, one message): nobody learns which numbers exist elsewhere."""
    member = registry.get_member(member_no, consistent=True) if is_member_no(member_no) else None
    branch = registry.get_unit(member.branch_id) if member is not None and member.active else None
    if (
        member is None
        or branch is None
        or scope.member_access(caller, member.member_no, branch.path) != "manage"
    ):
        raise NotFoundError(NOT_MANAGED)
    if member.transfer_id:
        raise ConflictError("该党员已有正在办理的组织关系转接")
    return member, branch


def _transfer_id(caller: Caller, request_key: Any) -> str:
    if not is_client_key(request_key):
        raise BadRequestError("请求编号（request_key）格式不正确")
    digest = hashlib.sha256(f"{caller.member_no}#{request_key}".encode()).hexdigest()
    return "tr_" + digest[:24]


def _existing(tid: str, member_no: str) -> Transfer | None:
    """The transfer a retried request already made (same key), or None."""
    try:
        t = Transfer.get(tid, consistent_read=True)
    except Transfer.DoesNotExist:
        return None
    if t.member_no != member_no:
        raise ConflictError("请求编号已用于另一次转接")
    return t


def _step(act: str, staff: Member, note: str | None = None) -> Step:
    return Step(act=act, by=staff.member_no, by_name=staff.name, at=clock.now(), note=note)


def _new(tid: str, kind: str, member_no: str, name: str, staff: Member, reason: str) -> Transfer:
    now = clock.now()
    return Transfer(
        tid,
        kind=kind,
        state="pending",
        member_no=member_no,
        member_name=name,
        reason=reason,
        steps=[],
        started_at=now,
        started_by=staff.member_no,
        sort=f"{int(now * 1000):013d}#{tid}",
    )


def _lock_member(tx: Transaction, member: Member, tid: str) -> None:
    """She enters this transfer: only if in no other, still active and still in that branch."""
    tx.update(
        "member",
        Member(member.member_no),
        actions=[Member.transfer_id.set(tid)],
        condition=(
            Member.transfer_id.does_not_exist()
            & (Member.branch_id == member.branch_id)
            & (Member.active == True)  # noqa: E712 - a PynamoDB condition, not a comparison
        ),
    )


def _start_failed(exc: TransactionCancelled, tid: str, member_no: str) -> Transfer:
    if exc.failed("transfer"):
        found = _existing(tid, member_no)
        if found is not None:
            return found
    if exc.failed("member"):
        raise ConflictError("该党员已有正在办理的组织关系转接，或其所在支部已变化") from None
    raise exc


# --- starting ---------------------------------------------------------------------------------


def start_internal(
    caller: Caller, staff: Member, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The sending branch's staff transfer one of her members to another branch."""
    tid = _transfer_id(caller, body.get("request_key"))
    reason = _text(body.get("reason"), "转接原因", REASON_MAX)
    found = _existing(tid, str(body.get("member_no")))
    if found is not None:
        return view(caller, found), False
    member, branch = _managed_member(caller, body.get("member_no"))
    target = _branch(body.get("to_unit"), "接收支部", branch.path[0])
    if target.unit_id == branch.unit_id:
        raise BadRequestError("接收支部不能是该党员现在所在的支部")
    t = _new(tid, "internal", member.member_no, member.name, staff, reason or "")
    t.status, t.joined_on = member.status, member.joined_on
    t.from_unit, t.from_name, t.from_path = branch.unit_id, branch.name, list(branch.path)
    t.to_unit, t.to_name, t.to_path = target.unit_id, target.name, list(target.path)
    t.org = branch.path[0]
    t.steps = [_step("start", staff, reason)]
    try:
        with Transaction() as tx:
            tx.save("transfer", t, condition=Transfer.transfer_id.does_not_exist())
            _lock_member(tx, member, tid)
    except TransactionCancelled as exc:
        return view(caller, _start_failed(exc, tid, member.member_no)), False
    _tell_managers(t, target.path, "有一名党员的组织关系待您接收")
    return view(caller, t), True


def letter_no(year: int, seq: int) -> str:
    return f"〔{year}〕第{seq:03d}号"


def start_out(caller: Caller, staff: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Out to another organisation: the transfer and its 介绍信, numbered per organisation and
    year, in one transaction with the counter (conditioned on the number read: no two letters
    share a number, and a failed attempt uses none)."""
    tid = _transfer_id(caller, body.get("request_key"))
    reason = _text(body.get("reason"), "转接原因", REASON_MAX)
    other = _text(body.get("other_org"), "转入单位党组织名称", ORG_MAX)
    found = _existing(tid, str(body.get("member_no")))
    if found is not None:
        return view(caller, found), False
    member, branch = _managed_member(caller, body.get("member_no"))
    org = branch.path[0]
    year = clock.today().year
    for _ in range(25):  # parallel letters: each loser reads the counter again
        try:
            seq = int(LetterCounter.get(org, year, consistent_read=True).seq or 0)
        except LetterCounter.DoesNotExist:
            seq = 0
        t = _new(tid, "out", member.member_no, member.name, staff, reason or "")
        t.status, t.joined_on = member.status, member.joined_on
        t.from_unit, t.from_name, t.from_path = branch.unit_id, branch.name, list(branch.path)
        t.other_org, t.org = other, org
        t.letter_year, t.letter_seq, t.letter_no = year, seq + 1, letter_no(year, seq + 1)
        t.steps = [_step("start", staff, reason), _step("letter", staff, t.letter_no)]
        counter_ok = LetterCounter.seq.does_not_exist() if seq == 0 else (LetterCounter.seq == seq)
        try:
            with Transaction() as tx:
                tx.save("transfer", t, condition=Transfer.transfer_id.does_not_exist())
                _lock_member(tx, member, tid)
                tx.update(
                    "counter",
                    LetterCounter(org, year),
                    actions=[LetterCounter.seq.set(seq + 1)],
                    condition=counter_ok,
                )
        except TransactionCancelled as exc:
            if exc.failed("counter") or (exc.conflict and not exc.failed("member")):
                continue
            return view(caller, _start_failed(exc, tid, member.member_no)), False
        return view(caller, t), True
    raise ConflictError("开具介绍信的人较多，请稍后再试")


def register_in(caller: Caller, staff: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """In from another organisation: the receiving branch's staff register her."""
    tid = _transfer_id(caller, body.get("request_key"))
    member_no = body.get("member_no")
    if not is_member_no(member_no):
        raise BadRequestError("党员编号格式不正确")
    found = _existing(tid, member_no)
    if found is not None:
        return view(caller, found), False
    name = _text(body.get("name"), "姓名", 30)
    target = _arrival_branch(caller, body.get("to_unit"))
    status = body.get("status")
    if status not in STATUS_LABELS:
        raise BadRequestError("党员类别须为正式党员或预备党员")
    joined = _date(body.get("joined_on"), "入党日期")
    phone = _text(body.get("phone"), "手机号", 20, required=False)
    if phone is not None and not PHONE.fullmatch(phone):
        raise BadRequestError("手机号格式不正确")
    letter = _text(body.get("letter_no"), "介绍信编号", LETTER_MAX)
    other = _text(body.get("other_org"), "转出单位党组织名称", ORG_MAX)
    reason = _text(body.get("reason"), "转接原因", REASON_MAX, required=False) or "转入"
    _check_new_number(caller, member_no, target)
    t = _new(tid, "in", member_no, name or "", staff, reason)
    t.status, t.joined_on, t.phone = status, joined, phone
    t.to_unit, t.to_name, t.to_path = target.unit_id, target.name, list(target.path)
    t.other_org, t.letter_no, t.org = other, letter, target.path[0]
    t.steps = [_step("register", staff, f"介绍信 {letter}")]
    try:
        t.save(condition=Transfer.transfer_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        again = _existing(tid, member_no)
        if again is None:
            raise
        return view(caller, again), False
    return view(caller, t), True


def _check_new_number(caller: Caller, member_no: str, target: OrgUnit) -> None:
    """Refuse now only what the caller may already see: a number of a member in her scope
    (active or not), or an arrival she already registered. A number in use elsewhere is
    registered like an unknown one and fails at the confirmation, in words that say neither
    whose nor where (`decide`): no registry-wide probe of which numbers exist."""
    current = registry.get_member(member_no, consistent=True)
    if current is not None:
        try:
            path = registry.get_unit(current.branch_id).path
        except NotFoundError:
            path = []
        if path and scope.member_access(caller, member_no, path) == "manage":
            raise ConflictError("该党员编号已在您管理范围内的党员名册中")
    waiting = Transfer.by_org.query(
        target.path[0],
        filter_condition=(Transfer.member_no == member_no) & (Transfer.state == "pending"),
    )
    if any(w.kind == "in" and scope.unit_access(caller, w.to_path) == "manage" for w in waiting):
        raise ConflictError("该党员已登记转入，正在等待确认接收")


def _date(value: Any, label: str) -> str:
    """YYYY-MM-DD in ASCII digits only (not the ISO week or ordinal forms `fromisoformat`
    takes, nor full-width digits), from the Party's founding day to today."""
    try:
        ok = isinstance(value, str) and ISO_DAY.fullmatch(value)
        day = date.fromisoformat(value) if ok else None
    except ValueError:
        day = None
    if day is None:
        raise BadRequestError(f"{label}须为 YYYY-MM-DD 格式的日期")
    if day < EARLIEST_JOIN:
        raise BadRequestError(f"{label}不能早于 1921-07-01")
    if day > clock.today():
        raise BadRequestError(f"{label}不能晚于今天")
    return day.isoformat()


# --- deciding ---------------------------------------------------------------------------------

DECISIONS = {
    "internal": {"approve": "recv", "refuse": "recv", "cancel": "send"},
    "out": {"receipt": "send", "returned": "send"},
    "in": {"confirm": "recv", "cancel": "recv"},
}
NEEDS_NOTE = {"refuse": "不同意的理由", "cancel": "撤回的理由", "returned": "退回的原因"}


def decide(
    caller: Caller, staff: Member, transfer_id: str, decision: str, note: Any
) -> dict[str, Any]:
    """One decision on an open transfer; a decision already taken by the same person (a retry)
    answers as it did, and completes what a failure left undone."""
    t = load(transfer_id, consistent=True)
    send, recv = _sides(caller, t)
    if send == "none" and recv == "none":
        raise NotFoundError(NOT_FOUND)
    side = DECISIONS[t.kind].get(decision)
    if side is None:
        raise BadRequestError("不支持的办理操作")
    if (send if side == "send" else recv) != "manage":
        who = "转出" if side == "send" else "接收"
        raise ForbiddenError(f"只有{who}支部的党务管理人员可以办理此操作")
    if t.kind == "internal" and side == "recv" and staff.member_no == t.started_by:
        raise ForbiddenError(SAME_PERSON)
    text = _text(
        note, NEEDS_NOTE.get(decision, "备注"), REASON_MAX, required=decision in NEEDS_NOTE
    )
    if t.state != "pending":
        last = (t.steps or [])[-1] if t.steps else None
        if last is not None and last.act == decision and last.by == staff.member_no:
            settle_if_needed(t)
            return view(caller, load(transfer_id, consistent=True))
        raise ConflictError(f"该转接{STATE_LABELS.get(t.state, '已结束')}，无需重复办理")
    step = _step(decision, staff, text)
    ends = {
        "approve": "done",
        "receipt": "done",
        "confirm": "done",
        "refuse": "refused",
        "returned": "refused",
        "cancel": "cancelled",
    }[decision]
    try:
        with Transaction() as tx:
            tx.update(
                "transfer",
                Transfer(t.transfer_id),
                actions=[
                    Transfer.state.set(ends),
                    Transfer.steps.set(Transfer.steps.append([step])),
                    Transfer.ended_at.set(step.at),
                ],
                condition=Transfer.state == "pending",
            )
            if ends == "done":
                _move(tx, t)
            elif t.kind != "in":
                tx.update(
                    "member",
                    Member(t.member_no),
                    actions=[Member.transfer_id.remove()],
                    condition=Member.transfer_id == t.transfer_id,
                )
    except TransactionCancelled as exc:
        if exc.failed("transfer"):
            return decide(caller, staff, transfer_id, decision, note)  # taken meanwhile
        if exc.failed("member") and t.kind == "in":
            raise ConflictError(IN_NUMBER_TAKEN) from None
        if exc.failed("member"):
            raise ConflictError(
                "该党员的党员信息已变化（所在支部或状态），无法办理，请核实后撤回"
            ) from None
        raise
    done = load(transfer_id, consistent=True)
    settle_if_needed(done)
    return view(caller, load(transfer_id, consistent=True))


def kept_roles(roles: list[str], old: OrgUnit, new: OrgUnit) -> list[str]:
    """The roles that still apply to the same unit from her new branch (a 党委委员 moving within
    her committee keeps it; a branch's secretary or committee member does not)."""
    before = Caller("", tuple(old.path), tuple(old.path_kinds), tuple(roles))
    after = Caller("", tuple(new.path), tuple(new.path_kinds), tuple(roles))
    return [
        r
        for r in roles
        if r in ROLES and scope.role_unit(before, r) == scope.role_unit(after, r) is not None
    ]


def _move(tx: Transaction, t: Transfer) -> None:
    """The registry write of a completed transfer, inside the decision's transaction."""
    now = clock.now()
    month = clock.local_now().strftime("%Y-%m")
    if t.kind == "in":
        joined = t.joined_on
        member = Member(
            t.member_no,
            name=t.member_name,
            phone=t.phone,
            branch_id=t.to_unit,
            status=t.status or "full",
            roles=[],
            joined_on=joined,
            active=True,
            remind_key=remind_key([], joined, True),
            session_epoch=0,
            branch_since=month,
            placed_by="transfer",
            updated_at=datetime.fromtimestamp(now, clock.TZ).isoformat(timespec="seconds"),
        )
        tx.save("member", member, condition=Member.member_no.does_not_exist())
        return
    current = registry.get_member(t.member_no, consistent=True)
    if current is None:
        raise ConflictError("该党员已不在党员名册中")
    stamp = datetime.fromtimestamp(now, clock.TZ).isoformat(timespec="seconds")
    # The branch her closed months count to: the one she was in when this month began.
    if current.branch_since == month and current.prior_branch_id:
        prior = current.prior_branch_id
    else:
        prior = current.branch_id
    actions: list[Any] = [
        Member.transfer_id.remove(),
        Member.updated_at.set(stamp),
        Member.branch_since.set(month),
        Member.placed_by.set("transfer"),  # the registry import keeps what the move did
    ]
    if t.kind == "internal":
        old = registry.get_unit(t.from_unit or "")
        new = registry.get_unit(t.to_unit or "")
        roles = kept_roles(list(current.roles or ()), old, new)
        key = remind_key(roles, current.joined_on, True)
        actions += [
            Member.branch_id.set(t.to_unit),
            Member.roles.set(roles),
            Member.remind_key.remove() if key is None else Member.remind_key.set(key),
            Member.prior_branch_id.remove()
            if prior == t.to_unit
            else Member.prior_branch_id.set(prior),
        ]
    else:  # out: no longer an active member; every login ends; records stay
        actions += [
            Member.active.set(False),
            Member.remind_key.remove(),
            Member.session_epoch.add(1),
            Member.transferred_out_at.set(now),
            Member.prior_branch_id.set(prior),
        ]
    tx.update(
        "member",
        Member(t.member_no),
        actions=actions,
        condition=(Member.transfer_id == t.transfer_id)
        & (Member.branch_id == t.from_unit)
        & (Member.active == True),  # noqa: E712 - a PynamoDB condition
    )


# --- after the move ---------------------------------------------------------------------------


def settle_if_needed(t: Transfer) -> None:
    """The follow-up of a completed transfer, once: every part idempotent, `settled_at` last.
    A failure in between leaves it unsettled, and the next act or read runs them all again."""
    if t.state != "done" or t.settled_at:
        return
    for follow_up in FOLLOW_UPS:
        follow_up(t)
    try:
        Transfer(t.transfer_id).update(
            actions=[Transfer.settled_at.set(clock.now())],
            condition=Transfer.settled_at.does_not_exist(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise


def withdraw_invitations(t: Transfer) -> int:
    """Her invitations to meetings not yet held of units she no longer belongs to are withdrawn
    (the row deleted and the meeting's count lowered in one transaction, so a repeat does
    nothing). Held meetings keep her row: her attendance record stays as it was."""
    member = registry.get_member(t.member_no, consistent=True)
    if member is None:
        return 0
    keep: set[str] = set()
    if member.active:
        keep = set(registry.get_unit(member.branch_id).path)
    now_iso = clock.local_now().isoformat()
    withdrawn = 0
    for key in Attendance.by_member.query(t.member_no, Attendance.member_sort > now_iso[:19]):
        try:
            meeting = Meeting.get(key.meeting_id)
        except Meeting.DoesNotExist:
            continue
        if meeting.state != "scheduled" or meeting.unit_id in keep:
            continue
        row = Attendance.get(key.meeting_id, t.member_no)
        if row.role != "attendee":
            continue
        try:
            with Transaction() as tx:
                tx.delete("row", row, condition=Attendance.member_no.exists())
                tx.update(
                    "meeting",
                    Meeting(meeting.meeting_id),
                    actions=[Meeting.invited.add(-1)],
                    condition=Meeting.state == "scheduled",
                )
        except TransactionCancelled as exc:
            if exc.failed("row") or exc.failed("meeting"):
                continue
            raise
        withdrawn += 1
    return withdrawn


def _withdraw_if_left(t: Transfer) -> None:
    if t.kind != "in":  # an arrival left no branch
        withdraw_invitations(t)


def _ranking_rereads(t: Transfer) -> None:
    ranking_log.registry_changed()  # the ranking job re-reads the registry


def _tell_member(t: Transfer) -> None:
    if t.kind == "out":
        return  # she can no longer sign in to read it
    where = t.to_name or ""
    outbox.post(
        f"transfer_done#{t.transfer_id}",
        "system",
        [t.member_no],
        "组织关系转接已办结",
        f"您的组织关系已转入{where}，学习积分、学习记录和参会记录随您转入。",
        "/me.html",
    )


def _tell_managers(t: Transfer, path: list[str], title: str) -> None:
    staff = [m for m in Member.reminders.query("staff") if m.active]
    units = {u.unit_id: u for u in OrgUnit.batch_get(sorted({m.branch_id for m in staff}))}
    to: list[str] = []
    for m in staff:
        unit = units.get(m.branch_id)
        if unit is None:
            continue
        caller = Caller(m.member_no, tuple(unit.path), tuple(unit.path_kinds), tuple(m.roles or ()))
        if unit.unit_id == path[-1] and scope.unit_access(caller, path) == "manage":
            to.append(m.member_no)
    if to:
        outbox.post(
            f"transfer_start#{t.transfer_id}",
            "system",
            to,
            title,
            f"{t.member_name}同志的组织关系由{t.from_name}转入{t.to_name}，请在党务工作›组织关系转接中办理。",
            "/transfers.html",
            about=t.member_no,
        )


def _recruitment_follows(t: Transfer) -> None:
    """A 预备党员's open 党员发展 record moves with her to the receiving branch."""
    if t.to_unit:
        recruitment.member_moved(t.member_no, t.to_unit)


def _directory_follows(t: Transfer) -> None:
    """通讯录's name index: her entry as her registry item now is (moved, arrived, or gone)."""
    member = registry.get_member(t.member_no, consistent=True)
    if member is not None:
        directory.member_changed(member)


# What follows a completed move, in order, each IDEMPOTENT (run again until `settled_at` is
# written): the one place other areas hook into a member's move. Her new branch is `t.to_unit`
# (None when she left the organisation: kind "out").
FOLLOW_UPS: list[Callable[[Transfer], None]] = [
    _withdraw_if_left,
    _ranking_rereads,
    _recruitment_follows,
    _directory_follows,
    _tell_member,
]
