"""红能量: points earned, spent on study materials or donated to help members in difficulty.

- `RedEnergyWallet`: what a member has spent so far (net of refunds). Her balance is her earned
  points (the points ledger, never written here) minus `spent`.
- `RedEnergyMovement`: one line per spending request or refund, kept for ever; its key is the
  client's request id ("r-<request_key>") or the refunded order ("f-<order id>"), so a retried
  request finds the first one. LSI `by-time`: her lines newest first.
- `RedEnergyOffer`: the catalogue of a unit (partition: the unit id), items (sort
  "item#<token>": cost, stock) and donation projects (sort "project#<token>": target, raised,
  deadline). Members of the unit's subtree see and use them; one Query per unit of her path.
- `RedEnergyOrder`: a redemption to be handed over: 待发放 → 已发放 or 已取消 (refunded). GSI
  `by-unit`: the owning unit's orders, open ones first ("0#" then "1#"); GSI `by-member`: hers.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

from .base import table_meta


class RedEnergyWallet(Model):
    Meta = table_meta("red-energy-wallets")
    member_no = UnicodeAttribute(hash_key=True)
    spent = NumberAttribute(default=0)
    updated_at = NumberAttribute(null=True)


class MovementTimeIndex(LocalSecondaryIndex["RedEnergyMovement"]):
    class Meta:
        index_name = "by-time"
        projection = AllProjection()

    member_no = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)  # "<at ms, 13 digits>#<key>"


class RedEnergyMovement(Model):
    """`kind`: redeem / donate (amount spent) or refund (amount given back); `earned`: the
    earned points read for a spend (its balance check)."""

    Meta = table_meta("red-energy-movements")
    member_no = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    amount = NumberAttribute()
    offer_id = UnicodeAttribute()  # the item's or project's public id
    title = UnicodeAttribute()
    quantity = NumberAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    earned = NumberAttribute(null=True)
    at = NumberAttribute()
    sort = UnicodeAttribute()
    by_time = MovementTimeIndex()


class RedEnergyOffer(Model):
    """`kind`: item or project. Items: `cost` per piece, `stock` left. Projects: `target`,
    `raised`, `donations` (count), `deadline` (ISO day, the last day to donate)."""

    Meta = table_meta("red-energy-catalog")
    unit_id = UnicodeAttribute(hash_key=True)
    offer_key = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    active = BooleanAttribute(default=True)
    cost = NumberAttribute(null=True)
    stock = NumberAttribute(null=True)
    redeemed = NumberAttribute(null=True)
    target = NumberAttribute(null=True)
    raised = NumberAttribute(null=True)
    donations = NumberAttribute(null=True)
    deadline = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    created_by = UnicodeAttribute()
    updated_at = NumberAttribute(null=True)
    # The request key of the last stock change: its resend (a lost answer) changes nothing more.
    stock_key = UnicodeAttribute(null=True)


class OrderUnitIndex(GlobalSecondaryIndex["RedEnergyOrder"]):
    class Meta:
        index_name = "by-unit"
        projection = AllProjection()

    unit_id = UnicodeAttribute(hash_key=True)
    unit_sort = UnicodeAttribute(range_key=True)  # "0#<ms>#<id>" open, "1#<ms>#<id>" closed


class OrderMemberIndex(GlobalSecondaryIndex["RedEnergyOrder"]):
    class Meta:
        index_name = "by-member"
        projection = AllProjection()

    member_no = UnicodeAttribute(hash_key=True)
    member_sort = UnicodeAttribute(range_key=True)  # "<ms>#<id>"


class RedEnergyOrder(Model):
    """`state`: pending (待发放), done (已发放), cancelled (已取消, refunded)."""

    Meta = table_meta("red-energy-orders")
    order_id = UnicodeAttribute(hash_key=True)
    member_no = UnicodeAttribute()
    member_name = UnicodeAttribute()
    branch_name = UnicodeAttribute(null=True)
    unit_id = UnicodeAttribute()
    item_id = UnicodeAttribute()
    title = UnicodeAttribute()
    quantity = NumberAttribute()
    cost = NumberAttribute()  # the whole order's
    state = UnicodeAttribute(default="pending")
    created_at = NumberAttribute()
    closed_at = NumberAttribute(null=True)
    closed_by = UnicodeAttribute(null=True)
    closed_by_name = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    unit_sort = UnicodeAttribute()
    member_sort = UnicodeAttribute()
    by_unit = OrderUnitIndex()
    by_member = OrderMemberIndex()
