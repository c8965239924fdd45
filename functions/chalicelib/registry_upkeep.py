"""Registry upkeep in the browser (党务工作台): add a member, edit her, move her to another branch,
change her roles, deactivate her — each within the caller's MANAGE scope (`scope.py`), each
checked by the registry import's own rules (`registry_import.check_member`), each ONE
transaction with its audit entry and the request's mark (`registry_audit.write`).

Exact under concurrency: a form carries the `rev` it read; the write is conditioned on the
member's `rev`, branch, open transfer and active flag as read here, so of two staff editing
her at once one wins and the other gets a 409, and a change made meanwhile by a transfer or an
import is never undone. A retry of the same request (`request_key`) answers what was done.

A move behaves like a transfer's for the boards: `prior_branch_id` / `branch_since` keep her
closed months on the branch she was in, her roles follow `transfers.kept_roles`, the registry's
version is bumped in the same transaction (the ranking job re-reads the registry), and the
follow-ups (meeting invitations of the old branch withdrawn, an open 党员发展 record moved,
通讯录's entry) run after it — idempotent, and run again by a retry of the request. A member
the console added, moved or deactivated carries `placed_by="console"`: the spreadsheet import
keeps what was done (see `registry_import.plan_member_import`).
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from . import clock, directory, recruitment, registry, scope, text_chars, transfers
from .errors import BadRequestError, ConflictError, ForbiddenError
from .identifiers import is_member_no, is_unit_id
from .models import Member, OrgUnit, RankingState
from .models.base import Transaction, TransactionCancelled
from .models.registry import remind_key
from .org import ROLES, STATUS_LABELS, UNIT_KINDS
from .registry_audit import answer_of, request_key, write
from .registry_fields import EDUCATION, OCCUPATIONS
from .registry_import import (
    FIELD_OF_HEADER,
    RowError,
    UnitRecord,
    check_member,
    unit_record,
)
from .scope import Caller

FORBIDDEN = "无权查看或管理该组织、党员的信息"  # scope._require's: unknown and out of scope alike
STALE = "该党员的信息刚被他人修改，请刷新后重试"
INACTIVE = "该党员已停用，请刷新后再试"
IN_TRANSFER = "该党员的组织关系转接正在办理中，办结前不能在此调整"
EDITABLE = (
    "name",
    "gender",
    "phone",
    "status",
    "joined_on",
    "birth_date",
    "education",
    "occupation",
)
HEADER_OF_FIELD = {v: k for k, v in FIELD_OF_HEADER.items() if k not in ("单位名称",)}
# Changes the boards show (name, branch, active): the ranking job must re-read the registry.
BOARD_FIELDS = ("name", "branch_id", "active")


class FieldError(BadRequestError):
    """A 400 naming the body field it is about (`Field`), so the page shows it at the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def to_response(self):  # type: ignore[no-untyped-def]
        response = super().to_response()
        response.body = {**response.body, "Field": self.field}
        return response


def field_error(error: RowError) -> FieldError:
    """An import rule's RowError as the form's error: the same message, at its field."""
    tail = f"（{error.value}）" if error.value else ""
    return FieldError(
        FIELD_OF_HEADER.get(error.field, error.field), f"{error.field}：{error.message}{tail}"
    )


# --- reads ------------------------------------------------------------------------------------


def _managed_member(caller: Caller, member_no: Any) -> tuple[Member, OrgUnit]:
    """The member and her branch, when the caller manages that branch; otherwise (unknown or
    out of scope) one 403. An inactive member in scope is a 409: the form was read before
    someone deactivated her, so the answer is to refresh, as for any other lost race."""
    member = registry.get_member(member_no, consistent=True) if is_member_no(member_no) else None
    if member is None:
        raise ForbiddenError(FORBIDDEN)
    branch = registry.get_unit(member.branch_id)
    if scope.unit_access(caller, branch.path) != "manage":
        raise ForbiddenError(FORBIDDEN)
    if not member.active:
        raise ConflictError(INACTIVE)
    return member, branch


def _readable_member(caller: Caller, member_no: Any) -> tuple[Member, OrgUnit]:
    member = registry.get_member(member_no, consistent=True) if is_member_no(member_no) else None
    if member is None:
        raise ForbiddenError(FORBIDDEN)
    branch = registry.get_unit(member.branch_id)
    if scope.unit_access(caller, branch.path) == "none":
        raise ForbiddenError(FORBIDDEN)
    return member, branch


def _managed_branch(caller: Caller, unit_id: Any, field: str = "branch_id") -> OrgUnit:
    """A branch the caller manages; any other id (unknown, not a branch, out of scope) is one
    field error, so nobody learns which ids exist."""
    unit = None
    if is_unit_id(unit_id):
        try:
            unit = registry.get_unit(unit_id)
        except Exception:  # NotFoundError
            unit = None
    if unit is None or scope.unit_access(caller, unit.path) != "manage":
        raise FieldError(field, "所在支部：找不到该党支部，或不在您的管理范围内")
    if unit.kind != "branch":
        label = UNIT_KINDS.get(unit.kind, unit.kind)
        raise FieldError(field, f"所在支部：该单位是{label}，党员只能编入党支部")
    return unit


def member_view(member: Member, access: str) -> dict[str, Any]:
    return {
        "member_no": member.member_no,
        "name": member.name,
        "gender": member.gender,
        "phone": member.phone,
        "branch_id": member.branch_id,
        "status": member.status,
        "status_label": STATUS_LABELS.get(member.status, member.status),
        "roles": list(member.roles or ()),
        "role_labels": [ROLES[r].label for r in member.roles or () if r in ROLES],
        "joined_on": member.joined_on,
        "birth_date": member.birth_date,
        "education": member.education,
        "occupation": member.occupation,
        "active": bool(member.active),
        "in_transfer": bool(member.transfer_id),
        "rev": int(member.rev or 0),
        "access": access,
    }


MAX_LISTED = 500


def unit_members(caller: Caller, unit_id: str, query: str | None = None) -> dict[str, Any]:
    """The active and inactive members of a unit (a branch, or every branch below a unit: one
    Query each), those whose name or number holds `query`; staff with read access."""
    from .registry_units import subtree

    unit = None
    if is_unit_id(unit_id):
        try:
            unit = registry.get_unit(unit_id)
        except Exception:  # NotFoundError: refused like a unit out of scope
            unit = None
    access = scope.unit_access(caller, unit.path) if unit else "none"
    if unit is None or access == "none":
        raise ForbiddenError(FORBIDDEN)
    q = (query or "").strip()
    if len(q) > 30:
        raise FieldError("q", "搜索：最多 30 个字")
    branches = [u for u in subtree(unit) if u.kind == "branch"]
    names = {b.unit_id: b.name for b in branches}
    out: list[dict[str, Any]] = []
    for branch in branches:
        for m in Member.by_branch.query(branch.unit_id):
            if q and q not in m.name and q not in m.member_no:
                continue
            view = member_view(m, scope.unit_access(caller, branch.path))
            view["branch_name"] = names[branch.unit_id]
            out.append(view)
            if len(out) >= MAX_LISTED:
                break
    out.sort(key=lambda v: (not v["active"], v["branch_id"], v["member_no"]))
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "access": access,
        # The 删除个人信息 button is offered only to whom the deletion would not refuse.
        "can_erase": "admin" in caller.roles and scope.role_unit(caller, "admin") == unit.path[0],
        "members": out[:MAX_LISTED],
        "truncated": len(out) >= MAX_LISTED,
    }


MEMBER_COLUMNS = (
    ("member_no", "党员编号"),
    ("name", "姓名"),
    ("gender", "性别"),
    ("branch_name", "所在支部"),
    ("status_label", "人员类别"),
    ("role_labels", "职务"),
    ("joined_on", "入党日期"),
    ("birth_date", "出生日期"),
    ("education", "学历"),
    ("occupation", "职业"),
    ("active_label", "状态"),
)


def member_detail(caller: Caller, member_no: str) -> dict[str, Any]:
    member, branch = _readable_member(caller, member_no)
    view = member_view(member, scope.unit_access(caller, branch.path))
    view["branch"] = {"id": branch.unit_id, "name": branch.name}
    return {"member": view}


def choices() -> dict[str, Any]:
    """What the forms offer: the fixed lists, once (registry_fields.py, org.py)."""
    return {
        "education": list(EDUCATION),
        "occupation": list(OCCUPATIONS),
        "status": [{"key": k, "label": v} for k, v in STATUS_LABELS.items()],
        "roles": [
            {"key": r.key, "label": r.label, "unit_kind": r.unit_kind} for r in ROLES.values()
        ],
        "kinds": [{"key": k, "label": v} for k, v in UNIT_KINDS.items()],
        "genders": ["男", "女"],
    }


# --- the rules --------------------------------------------------------------------------------


def _path_records(branch: OrgUnit) -> list[UnitRecord]:
    """The branch and its ancestors as the import rules see them (one batch read)."""
    units = {u.unit_id: u for u in OrgUnit.batch_get(list(branch.path))}
    return [unit_record(units[u]) for u in branch.path if u in units]


def _values(member: Member | None, changes: dict[str, Any], branch: OrgUnit) -> dict[str, str]:
    """The import row of the member as she would be after `changes` (API field names)."""
    base: dict[str, Any] = {}
    if member is not None:
        base = {f: getattr(member, f) for f in ("member_no", *EDITABLE)}
        base["roles"] = list(member.roles or ())
    base.update(changes)
    base["branch_id"] = branch.unit_id
    row: dict[str, str] = {}
    for field, value in base.items():
        if field == "roles":
            value = "、".join(ROLES[r].label if r in ROLES else str(r) for r in value or ())
        elif field == "status" and value in STATUS_LABELS:
            value = STATUS_LABELS[value]
        header = HEADER_OF_FIELD.get(field)
        if header is not None:
            row[header] = "" if value is None else str(value).strip()
    return row


def _checked(member: Member | None, changes: dict[str, Any], branch: OrgUnit) -> Any:
    record, errors = check_member(_values(member, changes, branch), _path_records(branch))
    if errors:
        raise field_error(errors[0])
    return record


def _text_fields(body: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in names:
        if name in body:
            value = body[name]
            if value is not None and not isinstance(value, str):
                raise FieldError(name, f"{HEADER_OF_FIELD.get(name, name)}：应为文字")
            out[name] = (value or "").strip() or None
    return out


def _roles_value(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(r, str) for r in value):
        raise FieldError("roles", "职务：应为职务列表")
    unknown = [r for r in value if r not in ROLES]
    if unknown:
        raise FieldError(
            "roles", "职务：无法识别的职务，应为 " + "、".join(r.label for r in ROLES.values())
        )
    return list(dict.fromkeys(value))


def _unit_path_for_role(
    member_path: tuple[str, ...], kinds: tuple[str, ...], role: str
) -> tuple[str, ...]:
    who = Caller("", member_path, kinds, (role,))
    unit_id = scope.role_unit(who, role)
    if unit_id is None:
        return ()
    return member_path[: member_path.index(unit_id) + 1]


def check_grant(
    caller: Caller, target_no: str, branch: OrgUnit, before: list[str], after: list[str]
) -> None:
    """Roles may change only where the caller manages the unit the role applies at; only a
    管理员 grants or withdraws 管理员; nobody gives herself a role."""
    added = [r for r in after if r not in before]
    changed = added + [r for r in before if r not in after]
    if target_no == caller.member_no and added:
        raise FieldError("roles", "职务：不能给自己增加职务")
    path, kinds = tuple(branch.path), tuple(branch.path_kinds)
    for role in changed:
        if role == "admin" and "admin" not in caller.roles:
            raise FieldError("roles", "职务：只有管理员可以授予或撤销管理员")
        unit_path = _unit_path_for_role(path, kinds, role)
        if not unit_path or scope.unit_access(caller, unit_path) != "manage":
            raise FieldError(
                "roles", f"职务：您不管理该职务所在的单位，不能授予或撤销{ROLES[role].label}"
            )


def _may_act_on_holder(caller: Caller, member: Member, branch: OrgUnit, what: str) -> None:
    """Moving or deactivating a member takes her roles away: allowed only to whoever could
    withdraw each of them (a 支部书记 cannot deactivate the 党委委员 in her branch)."""
    try:
        check_grant(caller, "", branch, list(member.roles or ()), [])
    except FieldError:
        raise ForbiddenError(f"该党员担任的职务不在您的管理范围内，您不能{what}") from None


# --- the writes -------------------------------------------------------------------------------


def _stamp() -> str:
    return datetime.fromtimestamp(clock.now(), clock.TZ).isoformat(timespec="seconds")


def _guard(member: Member, client_rev: Any) -> Any:
    """The condition every write of a read member carries, after the form's `rev` check."""
    if client_rev is not None and (
        not isinstance(client_rev, int) or client_rev != int(member.rev or 0)
    ):
        raise ConflictError(STALE)
    if member.transfer_id:
        raise ConflictError(IN_TRANSFER)
    rev = Member.rev.does_not_exist() if member.rev is None else Member.rev == member.rev
    return (
        rev
        & (Member.branch_id == member.branch_id)
        & Member.transfer_id.does_not_exist()
        & (Member.active == True)  # noqa: E712 - a PynamoDB condition
    )


def _bump_ranking(tx: Transaction) -> None:
    """The registry's version, in the change's transaction (ranking_log.registry_changed)."""
    tx.update("ranking", RankingState("meta", "registry"), actions=[RankingState.version.add(1)])


def _commit(tx_build, actor_no: str, key: str) -> dict[str, Any] | None:
    """Run the transaction; None when it was done already by a parallel retry of the request
    (the caller then answers what was recorded)."""
    try:
        with Transaction() as tx:
            tx_build(tx)
    except TransactionCancelled as exc:
        if exc.failed("mark"):
            return answer_of(actor_no, key)
        if exc.conflict or "ConditionalCheckFailed" in exc.reasons.values():
            raise ConflictError(STALE) from None  # the member or unit changed since it was read
        raise
    return None


def _diff(member: Member | None, after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    before = {}
    changed = {}
    for field, value in after.items():
        old = getattr(member, field) if member is not None else None
        if field == "roles":
            old = list(old or ())
        if old != value:
            before[field] = old
            changed[field] = value
    return before, changed


def add_member(caller: Caller, actor: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    key = request_key(body.get("request_key"), "member_add", "", body)
    if (done := answer_of(actor.member_no, key)) is not None:
        return done, False
    branch = _managed_branch(caller, body.get("branch_id"))
    values = _text_fields(body, ("member_no", *EDITABLE))
    if not values.get("member_no"):
        raise FieldError("member_no", "党员编号：不能为空")
    roles = _roles_value(body.get("roles") or [])
    check_grant(caller, values["member_no"], branch, [], roles)
    record = _checked(None, {**values, "roles": roles}, branch)
    member = Member(
        record.member_no,
        name=record.name,
        gender=record.gender,
        phone=record.phone,
        branch_id=branch.unit_id,
        status=record.status,
        roles=list(record.roles),
        joined_on=record.joined_on,
        birth_date=record.birth_date,
        education=record.education,
        occupation=record.occupation,
        active=True,
        remind_key=remind_key(list(record.roles), record.joined_on, True),
        session_epoch=0,
        branch_since=clock.local_now().strftime("%Y-%m"),
        placed_by="console",
        updated_at=_stamp(),
        rev=1,
    )
    after = {f: getattr(member, f) for f in ("member_no", "branch_id", *EDITABLE)}
    after["roles"] = list(record.roles)
    answer = {"member": member_view(member, "manage")}

    def build(tx: Transaction) -> None:
        tx.save("member", member, condition=Member.member_no.does_not_exist())
        _bump_ranking(tx)
        write(
            tx,
            actor,
            key,
            "member_add",
            ("member", member.member_no, member.name),
            None,
            after,
            [branch.path],
            answer,
        )

    try:
        done = _commit(build, actor.member_no, key)
    except ConflictError:
        raise FieldError("member_no", "党员编号：该党员编号已被使用") from None
    if done is not None:
        return done, False
    directory.member_changed(member)
    return answer, True


def edit_member(
    caller: Caller, actor: Member, member_no: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    key = request_key(body.get("request_key"), "member_edit", member_no, body)
    if (done := answer_of(actor.member_no, key)) is not None:
        return done, False
    member, branch = _managed_member(caller, member_no)
    condition = _guard(member, body.get("rev"))
    changes = _text_fields(body, EDITABLE)
    record = _checked(member, changes, branch)
    after_all = {f: getattr(record, f) for f in EDITABLE}
    before, after = _diff(member, after_all)
    if not after:
        return {"member": member_view(member, "manage"), "unchanged": True}, False
    _may_act_on_holder(caller, member, branch, "修改该党员的信息")
    actions = [Member.updated_at.set(_stamp()), Member.rev.add(1)]
    for field, value in after.items():
        attr = getattr(Member, field)
        actions.append(attr.remove() if value is None else attr.set(value))
    if "joined_on" in after:
        rk = remind_key(list(member.roles or ()), record.joined_on, True)
        actions.append(Member.remind_key.remove() if rk is None else Member.remind_key.set(rk))
    for field, value in after.items():
        setattr(member, field, value)
    member.rev = int(member.rev or 0) + 1
    answer = {"member": member_view(member, "manage")}

    def build(tx: Transaction) -> None:
        tx.update("member", Member(member.member_no), actions=actions, condition=condition)
        if any(f in after for f in BOARD_FIELDS):
            _bump_ranking(tx)
        write(
            tx,
            actor,
            key,
            "member_edit",
            ("member", member.member_no, member.name),
            before,
            after,
            [branch.path],
            answer,
        )

    if (done := _commit(build, actor.member_no, key)) is not None:
        return done, False
    if "name" in after:
        directory.member_changed(member)
    return answer, True


def move_member(
    caller: Caller, actor: Member, member_no: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    key = request_key(body.get("request_key"), "member_move", member_no, body)
    if (done := answer_of(actor.member_no, key)) is not None:
        _move_follow_ups(member_no)
        return done, False
    member, old = _managed_member(caller, member_no)
    condition = _guard(member, body.get("rev"))
    new = _managed_branch(caller, body.get("branch_id"))
    if new.unit_id == old.unit_id:
        raise FieldError("branch_id", "所在支部：该党员已在这个党支部")
    roles = transfers.kept_roles(list(member.roles or ()), old, new)
    dropped = [r for r in member.roles or () if r not in roles]
    if dropped:
        try:
            check_grant(caller, "", old, dropped, [])
        except FieldError:
            raise ForbiddenError(
                "该党员担任的职务不在您的管理范围内，您不能调整其所在支部"
            ) from None
    month = clock.local_now().strftime("%Y-%m")
    # The branch her closed months count to: the one she was in when this month began.
    prior = (
        member.prior_branch_id
        if member.branch_since == month and member.prior_branch_id
        else old.unit_id
    )
    rk = remind_key(roles, member.joined_on, True)
    actions = [
        Member.branch_id.set(new.unit_id),
        Member.roles.set(roles),
        Member.remind_key.remove() if rk is None else Member.remind_key.set(rk),
        Member.prior_branch_id.remove()
        if prior == new.unit_id
        else Member.prior_branch_id.set(prior),
        Member.branch_since.set(month),
        Member.placed_by.set("console"),  # the registry import keeps what the move did
        Member.updated_at.set(_stamp()),
        Member.rev.add(1),
    ]
    before = {"branch_id": old.unit_id, "branch": old.name, "roles": list(member.roles or ())}
    after = {"branch_id": new.unit_id, "branch": new.name, "roles": roles}
    member.branch_id, member.roles, member.rev = new.unit_id, roles, int(member.rev or 0) + 1
    answer = {"member": member_view(member, "manage")}

    def build(tx: Transaction) -> None:
        tx.update("member", Member(member.member_no), actions=actions, condition=condition)
        _bump_ranking(tx)
        write(
            tx,
            actor,
            key,
            "member_move",
            ("member", member.member_no, member.name),
            before,
            after,
            [old.path, new.path],
            answer,
        )

    if (done := _commit(build, actor.member_no, key)) is not None:
        _move_follow_ups(member_no)
        return done, False
    _move_follow_ups(member_no)
    return answer, True


def _move_follow_ups(member_no: str) -> None:
    """What follows a move or a deactivation, each idempotent (a retry runs them again): her
    invitations to meetings not yet held of units she left are withdrawn (as a transfer's),
    an open 党员发展 record follows her, 通讯录's entry is brought up to date."""
    member = registry.get_member(member_no, consistent=True)
    if member is None:
        return
    transfers.withdraw_invitations(SimpleNamespace(member_no=member_no))  # type: ignore[arg-type]
    if member.active:
        recruitment.member_moved(member_no, member.branch_id)
    directory.member_changed(member)


def change_roles(
    caller: Caller, actor: Member, member_no: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    key = request_key(body.get("request_key"), "member_roles", member_no, body)
    if (done := answer_of(actor.member_no, key)) is not None:
        return done, False
    member, branch = _managed_member(caller, member_no)
    condition = _guard(member, body.get("rev"))
    roles = _roles_value(body.get("roles"))
    before_roles = list(member.roles or ())
    check_grant(caller, member.member_no, branch, before_roles, roles)
    _checked(member, {"roles": roles}, branch)  # the import's rule: the role fits her branch
    if roles == before_roles:
        return {"member": member_view(member, "manage"), "unchanged": True}, False
    rk = remind_key(roles, member.joined_on, True)
    actions = [
        Member.roles.set(roles),
        Member.remind_key.remove() if rk is None else Member.remind_key.set(rk),
        Member.updated_at.set(_stamp()),
        Member.rev.add(1),
    ]
    member.roles, member.rev = roles, int(member.rev or 0) + 1
    answer = {"member": member_view(member, "manage")}

    def build(tx: Transaction) -> None:
        tx.update("member", Member(member.member_no), actions=actions, condition=condition)
        write(
            tx, actor, key, "member_roles", ("member", member.member_no, member.name),
            {"roles": before_roles}, {"roles": roles}, [branch.path], answer,
        )  # fmt: skip

    if (done := _commit(build, actor.member_no, key)) is not None:
        return done, False
    return answer, True


def deactivate_member(
    caller: Caller, actor: Member, member_no: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    key = request_key(body.get("request_key"), "member_deactivate", member_no, body)
    if (done := answer_of(actor.member_no, key)) is not None:
        _move_follow_ups(member_no)
        return done, False
    member, branch = _managed_member(caller, member_no)
    condition = _guard(member, body.get("rev"))
    if member.member_no == caller.member_no:
        raise ForbiddenError("不能停用自己的账号")
    _may_act_on_holder(caller, member, branch, "停用该党员")
    reason = body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason.strip()) > 200):
        raise FieldError("reason", "理由：最多 200 个字")
    if reason and (problem := text_chars.problem(reason.strip())):
        raise FieldError("reason", f"理由：{problem}")
    actions = [
        Member.active.set(False),
        Member.remind_key.remove(),
        Member.session_epoch.add(1),  # every login ends, as the import's --deactivate-missing
        Member.placed_by.set("console"),  # the import does not make her active again
        Member.updated_at.set(_stamp()),
        Member.rev.add(1),
    ]
    member.active, member.rev = False, int(member.rev or 0) + 1
    answer = {"member": member_view(member, "manage")}
    after: dict[str, Any] = {"active": False}
    if reason and reason.strip():
        after["reason"] = reason.strip()

    def build(tx: Transaction) -> None:
        tx.update("member", Member(member.member_no), actions=actions, condition=condition)
        _bump_ranking(tx)
        write(
            tx, actor, key, "member_deactivate", ("member", member.member_no, member.name),
            {"active": True}, after, [branch.path], answer,
        )  # fmt: skip

    if (done := _commit(build, actor.member_no, key)) is not None:
        _move_follow_ups(member_no)
        return done, False
    _move_follow_ups(member_no)
    return answer, True
