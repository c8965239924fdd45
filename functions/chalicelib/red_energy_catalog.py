"""红能量's catalogue and staff side: a unit's items (cost, stock) and donation projects
(target, deadline), maintained by staff who manage that unit; the orders of its items, handed
over (已发放) here or cancelled with a refund (`red_energy.cancel_order`).

Ids: an item is "<unit id>.i-<token>", a project "<unit id>.p-<token>" (the token made from the
creating request's key, so a retried creation makes nothing twice); the unit in the id is the
partition the offer lives in, so reading one is one GetItem and a unit's catalogue one Query.
Scope (`scope.py`): members see and use the offers of the units on their own path (their
branch and every unit above it); maintaining needs `manage` over the offer's unit. An unknown
id answers like one out of scope (403, the same words), so nobody learns which ids exist.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from . import clock, registry, scope, text_chars
from .errors import BadRequestError, ConflictError, ForbiddenError
from .identifiers import is_client_key, is_unit_id
from .models import Member, OrgUnit
from .models.base import condition_failed
from .models.red_energy import RedEnergyOffer, RedEnergyOrder
from .scope import Caller

TITLE_MAX = 40
DESCRIPTION_MAX = 200
REASON_MAX = 100
COST_MAX = 100_000  # points per piece
STOCK_MAX = 100_000
TARGET_MAX = 10_000_000
QUANTITY_MAX = 10  # pieces in one redemption
DONATION_MAX = 100_000
ORDERS_LISTED = 50
OFFER_ID = re.compile(r"([0-9A-Za-z_-]{1,32})\.([ip])-([0-9a-f]{16})")
KIND_OF = {"i": "item", "p": "project"}
NOT_FOUND = {
    "item": "物品不存在，或不在您的组织范围内",
    "project": "捐赠项目不存在，或不在您的组织范围内",
}
ORDER_NOT_FOUND = "订单不存在，或不在您的管理范围内"
UNIT_NOT_FOUND = "组织不存在，或不在您的管理范围内"
# For a unit she may know of (it is on her own path, or her role reads it): no secret to keep.
NO_RIGHT = {
    "read": "您没有查看该组织红能量管理台的权限",
    "manage": "您没有管理该组织红能量的权限（需支部书记等管理人员办理）",
}
ORDER_STATES = {"pending": "待发放", "done": "已发放", "cancelled": "已取消"}


# --- input ------------------------------------------------------------------------------------


def text(value: Any, label: str, max_chars: int, *, required: bool = True) -> str | None:
    """Trimmed plain text: no control characters, no emoji or other pictographs (they do not
    print on every phone nor in the staff's exports)."""
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise BadRequestError(f"{label}须为文字")
    out = " ".join(value.split())
    if not out:
        if required:
            raise BadRequestError(f"请填写{label}")
        return None
    if len(out) > max_chars:
        raise BadRequestError(f"{label}过长（最多 {max_chars} 字）")
    if any(_refused(ch) for ch in out):
        raise BadRequestError(f"{label}含有表情符号或无效字符，请只用文字和标点")
    return out


def _refused(ch: str) -> bool:
    """Emoji (`text_chars.is_emoji`), control and format characters (bidi overrides,
    zero-width ones), lone surrogates, and the BMP's unassigned and private-use points. Rare
    ideographs beyond the BMP (「𠮷」, Lo) and symbols such as ℃ pass."""
    category = unicodedata.category(ch)
    return text_chars.is_emoji(ch) or category in {"Cc", "Cf", "Cs", "Cn", "Co"}


def whole(value: Any, label: str, low: int, high: int) -> int:
    """An integer in [low, high] (JSON true is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequestError(f"{label}须为整数")
    if not low <= value <= high:
        raise BadRequestError(f"{label}须在 {low}–{high} 之间")
    return value


def request_token(caller: Caller, request_key: Any, what: str) -> str:
    if not is_client_key(request_key):
        raise BadRequestError("请求编号（request_key）格式不正确")
    return hashlib.sha256(f"{caller.member_no}#{what}#{request_key}".encode()).hexdigest()[:16]


def day(value: Any, label: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise BadRequestError(f"{label}须为日期（如 2027-01-31）")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise BadRequestError(f"{label}不是有效的日期") from None
    if parsed < clock.today():
        raise BadRequestError(f"{label}不能早于今天")
    if (parsed - clock.today()).days > 3 * 366:
        raise BadRequestError(f"{label}不能晚于三年之后")
    return value


# --- offers -----------------------------------------------------------------------------------


def offer_id(o: RedEnergyOffer) -> str:
    return f"{o.unit_id}.{o.offer_key.split('#', 1)[1]}"


def parse_id(value: Any, kind: str) -> tuple[str, str] | None:
    """(unit id, sort key) of a well-formed id of that kind, else None."""
    m = OFFER_ID.fullmatch(value) if isinstance(value, str) else None
    if m is None or KIND_OF[m.group(2)] != kind:
        return None
    return m.group(1), f"{kind}#{m.group(2)}-{m.group(3)}"


def load_offer(value: Any, kind: str, *, consistent: bool = False) -> RedEnergyOffer:
    keys = parse_id(value, kind)
    if keys is None:
        raise ForbiddenError(NOT_FOUND[kind])
    try:
        return RedEnergyOffer.get(*keys, consistent_read=consistent)
    except RedEnergyOffer.DoesNotExist:
        raise ForbiddenError(NOT_FOUND[kind]) from None


def usable_offer(caller: Caller, value: Any, kind: str) -> RedEnergyOffer:
    """An offer of a unit on the member's own path (strongly read: its cost and stock now)."""
    o = load_offer(value, kind, consistent=True)
    if o.unit_id not in caller.path:
        raise ForbiddenError(NOT_FOUND[kind])
    return o


def open_now(o: RedEnergyOffer) -> bool:
    """Takes redemptions or donations now: active, and a project not past its last day nor
    full."""
    if not o.active:
        return False
    if o.kind == "project":
        if o.deadline and o.deadline < clock.today().isoformat():
            return False
        return int(o.raised or 0) < int(o.target or 0)
    return True


def offer_view(o: RedEnergyOffer, unit_names: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": offer_id(o),
        "kind": o.kind,
        "title": o.title,
        "description": o.description,
        "unit": {"id": o.unit_id, "name": unit_names.get(o.unit_id, "")},
        "active": bool(o.active),
        "open": open_now(o),
    }
    if o.kind == "item":
        out |= {"cost": int(o.cost or 0), "stock": int(o.stock or 0)}
        out["redeemed"] = int(o.redeemed or 0)
    else:
        target, raised = int(o.target or 0), int(o.raised or 0)
        out |= {
            "target": target,
            "raised": raised,
            "remaining": max(target - raised, 0),
            "donations": int(o.donations or 0),
            "deadline": o.deadline,
            "percent": min(100, raised * 100 // target) if target else 0,
        }
    return out


def unit_offers(unit_id: str) -> list[RedEnergyOffer]:
    return list(RedEnergyOffer.query(unit_id))


def member_catalogue(caller: Caller) -> dict[str, list[dict[str, Any]]]:
    """The active offers of every unit on her path (one Query each: a path is 2–4 units),
    nearest unit first."""
    names = registry.unit_names(caller.path)
    items: list[dict[str, Any]] = []
    projects: list[dict[str, Any]] = []
    for unit_id in reversed(caller.path):
        for o in unit_offers(unit_id):
            if not o.active:
                continue
            (items if o.kind == "item" else projects).append(offer_view(o, names))
    return {"items": items, "projects": projects}


# --- staff ------------------------------------------------------------------------------------


def managed_unit(
    caller: Caller,
    unit_id: Any,
    need: scope.Access = "manage",
    *,
    not_found: str = UNIT_NOT_FOUND,
    path_known: bool = True,
) -> OrgUnit:
    """The unit, if the caller's roles give `need` over it. A unit unknown or out of her sight
    answers `not_found` (the words of an unknown id of whatever was asked for, so nobody learns
    which ids exist); one she can see — her role reads it, or (`path_known`) it is on her own
    path — answers that she lacks the right."""
    unit = None
    if is_unit_id(unit_id):
        try:
            unit = OrgUnit.get(unit_id)
        except OrgUnit.DoesNotExist:
            unit = None
    access = "none" if unit is None else scope.unit_access(caller, unit.path)
    if unit is None or (access == "none" and not (path_known and unit.unit_id in caller.path)):
        raise ForbiddenError(not_found)
    if access == "none" or (need == "manage" and access != "manage"):
        raise ForbiddenError(NO_RIGHT[need])
    return unit


def desk_units(caller: Caller) -> list[dict[str, str]]:
    """The units whose desk the caller opens: those her roles manage, and those they read (a
    支部委员 sees her branch's desk, without its buttons: `unit_desk`'s `manage`)."""
    ids = [u for u, grant in scope.grants(caller).items() if grant in ("read", "manage")]
    names = registry.unit_names(ids)
    return [{"id": u, "name": names[u]} for u in ids if u in names]


def create_offer(caller: Caller, staff: Member, unit_id: str, kind: str, body: dict[str, Any]):
    """A new item or project of the unit; the same request again answers the first one."""
    unit = managed_unit(caller, unit_id)
    token = request_token(caller, body.get("request_key"), kind)
    title = text(body.get("title"), "名称", TITLE_MAX)
    description = text(body.get("description"), "说明", DESCRIPTION_MAX, required=False)
    now = clock.now()
    o = RedEnergyOffer(
        unit.unit_id,
        f"{kind}#{kind[0]}-{token}",
        kind=kind,
        title=title,
        description=description,
        active=True,
        created_at=now,
        created_by=staff.member_no,
        updated_at=now,
    )
    if kind == "item":
        o.cost = whole(body.get("cost"), "兑换所需红能量", 1, COST_MAX)
        o.stock = whole(body.get("stock"), "库存", 0, STOCK_MAX)
        o.redeemed = 0
    else:
        o.target = whole(body.get("target"), "募集目标", 1, TARGET_MAX)
        o.deadline = day(body.get("deadline"), "截止日期")
        o.raised, o.donations = 0, 0
    try:
        o.save(condition=RedEnergyOffer.offer_key.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        o = RedEnergyOffer.get(o.unit_id, o.offer_key, consistent_read=True)
        return offer_view(o, registry.unit_names([unit.unit_id])), False
    return offer_view(o, registry.unit_names([unit.unit_id])), True


def edit_offer(caller: Caller, value: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """Staff change an offer: title, description, active; an item's cost and stock (a change
    by so many pieces, applied atomically whatever redemptions run meanwhile, never below
    zero); a project's target (not below what is raised) and deadline."""
    o = load_offer(value, kind, consistent=True)
    # A plain member cannot see a unit's inactive offers: only her role's sight tells.
    managed_unit(caller, o.unit_id, not_found=NOT_FOUND[kind], path_known=False)
    actions = [RedEnergyOffer.updated_at.set(clock.now())]
    condition = RedEnergyOffer.offer_key.exists()
    if "title" in body:
        actions.append(RedEnergyOffer.title.set(text(body["title"], "名称", TITLE_MAX)))
    if "description" in body:
        d = text(body["description"], "说明", DESCRIPTION_MAX, required=False)
        actions.append(
            RedEnergyOffer.description.set(d) if d else RedEnergyOffer.description.remove()
        )
    if "active" in body:
        if not isinstance(body["active"], bool):
            raise BadRequestError("上架状态须为 true 或 false")
        actions.append(RedEnergyOffer.active.set(body["active"]))
    refused = "修改未保存：库存不能少于 0"
    if kind == "item":
        if "cost" in body:
            cost = whole(body["cost"], "兑换所需红能量", 1, COST_MAX)
            actions.append(RedEnergyOffer.cost.set(cost))
        if "stock_change" in body:
            change = whole(body["stock_change"], "库存变化", -STOCK_MAX, STOCK_MAX)
            if change:
                # A change by so many pieces: its resend must not apply it twice.
                stock_key = body.get("request_key")
                if not is_client_key(stock_key):
                    raise BadRequestError("调整库存须附请求编号（request_key），以免重试时重复增减")
                actions.append(RedEnergyOffer.stock.add(change))
                actions.append(RedEnergyOffer.stock_key.set(stock_key))
                condition &= RedEnergyOffer.stock_key.does_not_exist() | (
                    RedEnergyOffer.stock_key != stock_key
                )
                condition &= RedEnergyOffer.stock >= max(-change, 0)
                condition &= RedEnergyOffer.stock <= STOCK_MAX - max(change, 0)
                refused = f"修改未保存：库存不能少于 0，也不能超过 {STOCK_MAX}"
    else:
        if "target" in body:
            target = whole(body["target"], "募集目标", 1, TARGET_MAX)
            actions.append(RedEnergyOffer.target.set(target))
            condition &= RedEnergyOffer.raised <= target
            refused = "修改未保存：募集目标不能低于已筹得的红能量"
        if "deadline" in body:
            actions.append(RedEnergyOffer.deadline.set(day(body["deadline"], "截止日期")))
    unknown = (
        set(body)
        - {"title", "description", "active"}
        - ({"cost", "stock_change", "request_key"} if kind == "item" else {"target", "deadline"})
    )
    if unknown:
        raise BadRequestError("不支持的字段：" + "、".join(sorted(unknown)))
    if len(actions) == 1:
        raise BadRequestError("没有要修改的内容")
    try:
        o.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        now_o = RedEnergyOffer.get(o.unit_id, o.offer_key, consistent_read=True)
        if body.get("stock_change") and now_o.stock_key == body.get("request_key"):
            return offer_view(now_o, registry.unit_names([o.unit_id]))  # its resend: as done
        raise ConflictError(refused) from None
    return offer_view(o, registry.unit_names([o.unit_id]))


# --- orders -----------------------------------------------------------------------------------


def order_id_for(member_no: str, request_key: str) -> str:
    return "od_" + hashlib.sha256(f"{member_no}#{request_key}".encode()).hexdigest()[:24]


def order_view(o: RedEnergyOrder) -> dict[str, Any]:
    return {
        "id": o.order_id,
        "state": o.state,
        "state_label": ORDER_STATES.get(o.state, o.state),
        "member_no": o.member_no,
        "member_name": o.member_name,
        "branch_name": o.branch_name,
        "item_id": o.item_id,
        "title": o.title,
        "quantity": int(o.quantity),
        "cost": int(o.cost),
        "created_at": int(o.created_at),
        "closed_at": int(o.closed_at) if o.closed_at else None,
        "closed_by_name": o.closed_by_name,
        "reason": o.reason,
    }


def load_order(caller: Caller, order_id: Any) -> RedEnergyOrder:
    """An order the caller manages (manage over the item's unit); unknown ones answer alike."""
    if not isinstance(order_id, str) or not re.fullmatch(r"od_[0-9a-f]{24}", order_id):
        raise ForbiddenError(ORDER_NOT_FOUND)
    try:
        o = RedEnergyOrder.get(order_id, consistent_read=True)
    except RedEnergyOrder.DoesNotExist:
        raise ForbiddenError(ORDER_NOT_FOUND) from None
    managed_unit(caller, o.unit_id, not_found=ORDER_NOT_FOUND, path_known=False)
    return o


def closed_sort(o: RedEnergyOrder) -> str:
    return "1#" + o.unit_sort.split("#", 1)[1]


def already(o: RedEnergyOrder) -> ConflictError:
    return ConflictError(f"该订单{ORDER_STATES.get(o.state, o.state)}，不能再办理")


def fulfil(caller: Caller, staff: Member, order_id: str) -> dict[str, Any]:
    """待发放 → 已发放, once: conditioned on the state read."""
    o = load_order(caller, order_id)
    if o.state != "pending":
        raise already(o)
    now = clock.now()
    try:
        o.update(
            actions=[
                RedEnergyOrder.state.set("done"),
                RedEnergyOrder.closed_at.set(now),
                RedEnergyOrder.closed_by.set(staff.member_no),
                RedEnergyOrder.closed_by_name.set(staff.name),
                RedEnergyOrder.unit_sort.set(closed_sort(o)),
            ],
            condition=RedEnergyOrder.state == "pending",
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        raise already(RedEnergyOrder.get(order_id, consistent_read=True)) from None
    return order_view(o)


def unit_desk(caller: Caller, unit_id: str) -> dict[str, Any]:
    """A unit's catalogue (inactive offers too) and its orders: every open one, then the
    latest closed ones."""
    unit = managed_unit(caller, unit_id, need="read")
    names = {unit.unit_id: unit.name}
    offers = unit_offers(unit.unit_id)
    open_orders = list(
        RedEnergyOrder.by_unit.query(unit.unit_id, RedEnergyOrder.unit_sort.startswith("0#"))
    )
    closed = list(
        RedEnergyOrder.by_unit.query(
            unit.unit_id,
            RedEnergyOrder.unit_sort.startswith("1#"),
            scan_index_forward=False,
            limit=ORDERS_LISTED,
        )
    )
    return {
        "unit": {"id": unit.unit_id, "name": unit.name},
        "manage": scope.unit_access(caller, unit.path) == "manage",
        "items": [offer_view(o, names) for o in offers if o.kind == "item"],
        "projects": [offer_view(o, names) for o in offers if o.kind == "project"],
        "open_orders": [order_view(o) for o in open_orders],
        "closed_orders": [order_view(o) for o in closed[:ORDERS_LISTED]],
    }
