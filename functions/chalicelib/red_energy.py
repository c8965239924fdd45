"""红能量: the points a member earned, spent on the catalogue's items or donated to projects
that help members in difficulty (seed 004).

The currency is the points already earned: `earned` = the net total of her points ledger
(`points_figures.totals(member)["all"]`: the aggregator's year totals plus the days it has not
applied yet). Spending NEVER writes to the points ledger (PointDay) nor to its totals: rankings,
boards and 我的党建 are computed from earned points, so spending cannot lower her rank. What she
spent is her wallet (`RedEnergyWallet.spent`, net of refunds), every request a movement line
(`RedEnergyMovement`), and balance = earned − spent at every moment.

One request, one transaction (TransactWriteItems):
- Put the movement, keyed by her client's request id, on condition it does not exist: a retried
  or parallel identical request spends once and answers the first outcome (200, `repeat`);
- Update the wallet: spent += cost, on condition spent + cost <= earned (earned read just
  before);
- Update the item (stock -= quantity, on condition stock >= quantity, still active and still
  at the cost read for this request, which must be the one her page showed (`cost`, required:
  a changed cost is a 409, never a silent charge) or the project (raised +=
  amount, on condition active, not past its last day and raised + amount <= target: a project
  never exceeds its target; the last donor gives at most what remains, and a full project
  closes).
Parallel requests on one wallet or item conflict inside DynamoDB; the loser tries again (a
fresh read each time), so the outcomes are exact: never below zero, never more than the stock.
A cancelled condition becomes a Chinese 409 (余额不足, 库存不足, 已下架…).

A redemption also creates its order (待发放) in the same transaction; staff of the item's unit
hand it over (`red_energy_catalog.fulfil`) or cancel it with a reason (`cancel_order`): one
transaction of the order (on condition it is still 待发放), a refund movement (keyed by the
order: once), the wallet (spent −= cost) and the stock (+= quantity).

The edge: a later reversal or deduction of earned points can leave the balance below zero
(earned is not ours to hold back); nothing more can be spent until she earns it back.
"""

from __future__ import annotations

import random
import time
from typing import Any

from . import clock, points_figures, registry
from . import red_energy_catalog as catalog
from .errors import BadRequestError, ConflictError, ServiceUnavailableError
from .models import Member
from .models.base import Transaction, TransactionCancelled
from .models.red_energy import RedEnergyMovement, RedEnergyOffer, RedEnergyOrder, RedEnergyWallet
from .scope import Caller

MOVEMENTS_LISTED = 30
ORDERS_LISTED = 20
ATTEMPTS = 12  # transaction conflicts with parallel requests on the same wallet or item
KIND_LABELS = {"redeem": "兑换", "donate": "捐赠", "refund": "退回"}
REUSED_KEY = "请求编号已用于另一笔兑换或捐赠"
MISSING_COST = "请注明您看到的每件兑换值（cost），以免按调整后的兑换值扣减"


def earned(member_no: str) -> int:
    return int(points_figures.totals(member_no)["all"])


def spent(member_no: str) -> int:
    try:
        return int(RedEnergyWallet.get(member_no, consistent_read=True).spent or 0)
    except RedEnergyWallet.DoesNotExist:
        return 0


def balance(member_no: str) -> dict[str, int]:
    got, used = earned(member_no), spent(member_no)
    return {"earned": got, "spent": used, "balance": got - used}


def movement_view(m: RedEnergyMovement) -> dict[str, Any]:
    return {
        "kind": m.kind,
        "label": KIND_LABELS.get(m.kind, m.kind),
        "amount": int(m.amount),
        "delta": int(m.amount) if m.kind == "refund" else -int(m.amount),
        "title": m.title,
        "offer_id": m.offer_id,
        "quantity": int(m.quantity) if m.quantity else None,
        "order_id": m.order_id,
        "time": int(m.at),
    }


def movements(member_no: str, limit: int = MOVEMENTS_LISTED) -> list[dict[str, Any]]:
    rows = RedEnergyMovement.by_time.query(member_no, scan_index_forward=False, limit=limit)
    return [movement_view(m) for m in list(rows)[:limit]]


def my_orders(member_no: str, limit: int = ORDERS_LISTED) -> list[dict[str, Any]]:
    rows = RedEnergyOrder.by_member.query(member_no, scan_index_forward=False, limit=limit)
    return [catalog.order_view(o) for o in list(rows)[:limit]]


def overview(caller: Caller) -> dict[str, Any]:
    """The member's page: balance, the catalogue she may use, her orders and movements."""
    return {
        **balance(caller.member_no),
        **catalog.member_catalogue(caller),
        "orders": my_orders(caller.member_no),
        "movements": movements(caller.member_no),
    }


# --- spending ---------------------------------------------------------------------------------


def _key(request_key: str) -> str:
    return f"r-{request_key}"


def _first_outcome(member_no: str, key: str, offer: str) -> dict[str, Any] | None:
    try:
        m = RedEnergyMovement.get(member_no, key, consistent_read=True)
    except RedEnergyMovement.DoesNotExist:
        return None
    if m.offer_id != offer:
        raise ConflictError(REUSED_KEY)
    return _answer(m, repeat=True)


def _answer(
    m: RedEnergyMovement,
    *,
    repeat: bool,
    earned_now: int | None = None,
    order: RedEnergyOrder | None = None,
) -> dict[str, Any]:
    """The outcome: the line, her balance now (`earned_now`: what the spend just read), the
    order (`order`: the one just written)."""
    got = earned(m.member_no) if earned_now is None else earned_now
    used = spent(m.member_no)
    out = {"movement": movement_view(m), "repeat": repeat}
    out |= {"earned": got, "spent": used, "balance": got - used}
    if order is not None:
        out["order"] = catalog.order_view(order)
    elif m.order_id:
        try:
            out["order"] = catalog.order_view(RedEnergyOrder.get(m.order_id, consistent_read=True))
        except RedEnergyOrder.DoesNotExist:
            out["order"] = None
    return out


def _wallet_update(tx: Transaction, member_no: str, cost: int, got: int) -> None:
    tx.update(
        "wallet",
        RedEnergyWallet(member_no),
        actions=[RedEnergyWallet.spent.add(cost), RedEnergyWallet.updated_at.set(clock.now())],
        condition=(RedEnergyWallet.spent.does_not_exist() | (RedEnergyWallet.spent <= got - cost)),
    )


def _short(member_no: str, cost: int, got: int | None = None) -> ConflictError:
    have = (earned(member_no) if got is None else got) - spent(member_no)
    return ConflictError(f"余额不足：需要 {cost} 红能量，当前余额 {have}")


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))


def _busy() -> ServiceUnavailableError:
    return ServiceUnavailableError("兑换的人较多，请稍后重试，您的请求不会重复扣减", retry_after=2)


def redeem(caller: Caller, member: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Redeem `quantity` pieces of an item: (answer, created)."""
    catalog.request_token(caller, body.get("request_key"), "redeem")  # validates the key
    catalog.whole(body.get("quantity", 1), "数量", 1, catalog.QUANTITY_MAX)
    if body.get("cost") is None:  # never charge a cost she was not shown
        raise BadRequestError(MISSING_COST)
    catalog.whole(body["cost"], "兑换值", 1, catalog.COST_MAX)
    key = _key(body["request_key"])
    return _once(member.member_no, key, body.get("item_id"), lambda: _redeem(caller, member, body))


def _once(member_no: str, key: str, offer: Any, spend: Any) -> tuple[dict[str, Any], bool]:
    """The first outcome of this request if there is one; else `spend()`. A refusal is checked
    against the first outcome again: an identical request in parallel may have just spent the
    last piece or point, and this one must answer as that one did."""
    first = _first_outcome(member_no, key, str(offer))
    if first is not None:
        return first, False
    try:
        return spend()
    except ConflictError:
        first = _first_outcome(member_no, key, str(offer))
        if first is not None:
            return first, False
        raise


def _redeem(caller: Caller, member: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    request_key = body["request_key"]
    quantity = catalog.whole(body.get("quantity", 1), "数量", 1, catalog.QUANTITY_MAX)
    key = _key(request_key)
    branch_name = registry.unit_names([member.branch_id]).get(member.branch_id)
    for attempt in range(ATTEMPTS):
        item = catalog.usable_offer(caller, body.get("item_id"), "item")
        if not item.active:
            raise ConflictError("该物品已下架")
        if body["cost"] != int(item.cost):
            raise ConflictError(f"兑换值已调整为每件 {int(item.cost)} 红能量，请确认后再兑换")
        cost = int(item.cost) * quantity
        if int(item.stock or 0) < quantity:
            raise ConflictError(f"库存不足：剩余 {int(item.stock or 0)} 件")
        got = earned(member.member_no)
        if cost > got - spent(member.member_no):
            raise _short(member.member_no, cost, got)
        now = clock.now()
        order_id = catalog.order_id_for(member.member_no, request_key)
        ms = f"{int(now * 1000):013d}"
        m = RedEnergyMovement(
            member.member_no,
            key,
            kind="redeem",
            amount=cost,
            offer_id=catalog.offer_id(item),
            title=item.title,
            quantity=quantity,
            order_id=order_id,
            earned=got,
            at=now,
            sort=f"{ms}#{key}",
        )
        order = RedEnergyOrder(
            order_id,
            member_no=member.member_no,
            member_name=member.name,
            branch_name=branch_name,
            unit_id=item.unit_id,
            item_id=m.offer_id,
            title=item.title,
            quantity=quantity,
            cost=cost,
            state="pending",
            created_at=now,
            unit_sort=f"0#{ms}#{order_id}",
            member_sort=f"{ms}#{order_id}",
        )
        try:
            with Transaction() as tx:
                tx.save("movement", m, condition=RedEnergyMovement.key.does_not_exist())
                tx.save("order", order, condition=RedEnergyOrder.order_id.does_not_exist())
                _wallet_update(tx, member.member_no, cost, got)
                tx.update(
                    "item",
                    RedEnergyOffer(item.unit_id, item.offer_key),
                    actions=[
                        RedEnergyOffer.stock.add(-quantity),
                        RedEnergyOffer.redeemed.add(quantity),
                    ],
                    condition=(
                        (RedEnergyOffer.stock >= quantity)
                        & (RedEnergyOffer.active == True)  # noqa: E712 - a PynamoDB condition
                        & (RedEnergyOffer.cost == item.cost)
                    ),
                )
        except TransactionCancelled as exc:
            if exc.failed("movement") or exc.failed("order"):
                found = _first_outcome(member.member_no, key, m.offer_id)
                if found is not None:
                    return found, False
            if exc.failed("wallet") and not exc.conflict:
                raise _short(member.member_no, cost) from None
            if exc.failed("item") and not exc.conflict:
                now_item = catalog.load_offer(m.offer_id, "item", consistent=True)
                if not now_item.active:
                    raise ConflictError("该物品已下架") from None
                if int(now_item.stock or 0) < quantity:
                    raise ConflictError(f"库存不足：剩余 {int(now_item.stock or 0)} 件") from None
                continue  # the cost changed since the read: read it again
            if exc.conflict or exc.failed("movement") or exc.failed("order"):
                _backoff(attempt)
                continue
            raise
        return _answer(m, repeat=False, earned_now=got, order=order), True
    raise _busy()


def donate(caller: Caller, member: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Donate `amount` to a project: (answer, created)."""
    catalog.request_token(caller, body.get("request_key"), "donate")
    catalog.whole(body.get("amount"), "捐赠数额", 1, catalog.DONATION_MAX)
    key = _key(body["request_key"])
    return _once(
        member.member_no, key, body.get("project_id"), lambda: _donate(caller, member, body)
    )


def _donate(caller: Caller, member: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    amount = int(body["amount"])
    key = _key(body["request_key"])
    for attempt in range(ATTEMPTS):
        project = catalog.usable_offer(caller, body.get("project_id"), "project")
        _project_open(project, amount)
        got = earned(member.member_no)
        if amount > got - spent(member.member_no):
            raise _short(member.member_no, amount, got)
        now = clock.now()
        m = RedEnergyMovement(
            member.member_no,
            key,
            kind="donate",
            amount=amount,
            offer_id=catalog.offer_id(project),
            title=project.title,
            earned=got,
            at=now,
            sort=f"{int(now * 1000):013d}#{key}",
        )
        today = clock.today().isoformat()
        target = int(project.target or 0)
        try:
            with Transaction() as tx:
                tx.save("movement", m, condition=RedEnergyMovement.key.does_not_exist())
                _wallet_update(tx, member.member_no, amount, got)
                tx.update(
                    "project",
                    RedEnergyOffer(project.unit_id, project.offer_key),
                    actions=[
                        RedEnergyOffer.raised.add(amount),
                        RedEnergyOffer.donations.add(1),
                    ],
                    condition=(
                        (RedEnergyOffer.active == True)  # noqa: E712 - a PynamoDB condition
                        & (RedEnergyOffer.deadline >= today)
                        # no arithmetic between attributes in a condition: the target read
                        & (RedEnergyOffer.target == target)
                        & (RedEnergyOffer.raised <= target - amount)
                    ),
                )
        except TransactionCancelled as exc:
            if exc.failed("movement"):
                found = _first_outcome(member.member_no, key, m.offer_id)
                if found is not None:
                    return found, False
            if exc.failed("wallet") and not exc.conflict:
                raise _short(member.member_no, amount) from None
            if exc.failed("project") and not exc.conflict:
                _project_open(catalog.load_offer(m.offer_id, "project", consistent=True), amount)
                continue
            if exc.conflict or exc.failed("movement"):
                _backoff(attempt)
                continue
            raise
        return _answer(m, repeat=False, earned_now=got), True
    raise _busy()


def _project_open(p: RedEnergyOffer, amount: int) -> None:
    if not p.active:
        raise ConflictError("该捐赠项目已结束")
    if p.deadline and p.deadline < clock.today().isoformat():
        raise ConflictError("该捐赠项目已过截止日期")
    remaining = int(p.target or 0) - int(p.raised or 0)
    if remaining <= 0:
        raise ConflictError("该捐赠项目已筹满，感谢您的爱心")
    if amount > remaining:
        raise ConflictError(f"超过募集目标：本项目还差 {remaining} 红能量")


# --- refunds ----------------------------------------------------------------------------------


def cancel_order(caller: Caller, staff: Member, order_id: str, reason: Any) -> dict[str, Any]:
    """Staff cancel a 待发放 order with a reason: refunded exactly once (one transaction of the
    order on condition it is still pending, the refund line keyed by the order, the wallet and
    the stock)."""
    why = catalog.text(reason, "取消原因", catalog.REASON_MAX)
    o = catalog.load_order(caller, order_id)
    if o.state != "pending":
        raise catalog.already(o)
    keys = catalog.parse_id(o.item_id, "item")
    assert keys is not None  # written by redeem from a parsed id
    for attempt in range(ATTEMPTS):
        now = clock.now()
        key = f"f-{o.order_id}"
        m = RedEnergyMovement(
            o.member_no,
            key,
            kind="refund",
            amount=int(o.cost),
            offer_id=o.item_id,
            title=o.title,
            quantity=int(o.quantity),
            order_id=o.order_id,
            at=now,
            sort=f"{int(now * 1000):013d}#{key}",
        )
        try:
            with Transaction() as tx:
                tx.save("movement", m, condition=RedEnergyMovement.key.does_not_exist())
                tx.update(
                    "order",
                    RedEnergyOrder(o.order_id),
                    actions=[
                        RedEnergyOrder.state.set("cancelled"),
                        RedEnergyOrder.closed_at.set(now),
                        RedEnergyOrder.closed_by.set(staff.member_no),
                        RedEnergyOrder.closed_by_name.set(staff.name),
                        RedEnergyOrder.reason.set(why),
                        RedEnergyOrder.unit_sort.set(catalog.closed_sort(o)),
                    ],
                    condition=RedEnergyOrder.state == "pending",
                )
                tx.update(
                    "wallet",
                    RedEnergyWallet(o.member_no),
                    actions=[
                        RedEnergyWallet.spent.add(-int(o.cost)),
                        RedEnergyWallet.updated_at.set(now),
                    ],
                )
                tx.update(
                    "item",
                    RedEnergyOffer(*keys),
                    actions=[
                        RedEnergyOffer.stock.add(int(o.quantity)),
                        RedEnergyOffer.redeemed.add(-int(o.quantity)),
                    ],
                )
        except TransactionCancelled as exc:
            if exc.conflict and not (exc.failed("order") or exc.failed("movement")):
                _backoff(attempt)
                continue
            raise catalog.already(RedEnergyOrder.get(o.order_id, consistent_read=True)) from None
        return catalog.order_view(RedEnergyOrder.get(o.order_id, consistent_read=True))
    raise _busy()
