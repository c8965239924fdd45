"""The demo organisation's 红能量 for `make dev`: the committee's catalogue (study books and a
notebook, two donation projects) and one branch's own (a handbook, a project for its elderly
members); members of that branch who earned enough redeem and donate over the last three weeks;
the secretary handed most orders over, cancelled one (refunded: the book was out of print) and
left the latest waiting (待发放).

Played through `chalicelib.red_energy` itself with this thread's clock moved to each moment
(`demo_activity.moved_clock`), so every line has its time and takes the real path (one
transaction per request, the wallet's condition on her earned points). A member without the
points for a step skips it (her points come from the demo activity and its aggregator).

Idempotent: the offers' and the requests' keys are fixed, so a second run finds them (the same
creation answers the first one, the same request its first outcome) and writes nothing new.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta

from chalicelib import clock, red_energy, registry
from chalicelib import red_energy_catalog as catalog
from chalicelib.errors import ApiError
from chalicelib.models import Member
from tools import demo_activity, demo_meetings, demo_registry

COMMITTEE = demo_registry.COMMITTEE[0]


@dataclass(frozen=True)
class Offer:
    key: str
    unit: str  # "committee" or "branch"
    kind: str  # item / project
    title: str
    description: str
    amount: int  # cost per piece, or target
    stock: int = 0
    days_left: int = 0  # projects: the deadline


OFFERS = (
    Offer("demo-re-offer-0001", "committee", "item", "《习近平新时代中国特色社会主义思想学习纲要》",
          "党委宣传部统一采购，支部书记发放", 60, 30),
    Offer("demo-re-offer-0002", "committee", "item", "《中国共产党章程》（单行本）",
          "党章学习口袋本", 20, 50),
    Offer("demo-re-offer-0003", "committee", "item", "党员学习笔记本", "红色封面，带党徽", 10, 100),
    Offer("demo-re-offer-0004", "committee", "project", "困难党员帮扶基金",
          "帮扶因病致困的党员家庭，由党委统一拨付", 2000, days_left=60),
    Offer("demo-re-offer-0005", "committee", "project", "助学圆梦",
          "资助困难党员子女上学", 1000, days_left=90),
    Offer("demo-re-offer-0006", "branch", "item", "《党支部工作手册》", "支部自购", 15, 8),
    Offer("demo-re-offer-0007", "branch", "project", "关爱老党员", "春节走访慰问本支部老党员",
          300, days_left=45),
)  # fmt: skip

# (request key, offer key, quantity or amount, days ago, what became of the order)
SPENDS = (
    ("demo-re-spend-0001", "demo-re-offer-0003", 1, 20.3, "done"),
    ("demo-re-spend-0002", "demo-re-offer-0004", 20, 18.6, None),
    ("demo-re-spend-0003", "demo-re-offer-0002", 1, 15.2, "done"),
    ("demo-re-spend-0004", "demo-re-offer-0006", 1, 12.4, "cancelled"),
    ("demo-re-spend-0005", "demo-re-offer-0007", 10, 9.1, None),
    ("demo-re-spend-0006", "demo-re-offer-0003", 2, 6.8, "done"),
    ("demo-re-spend-0007", "demo-re-offer-0005", 15, 4.5, None),
    ("demo-re-spend-0008", "demo-re-offer-0002", 1, 1.2, None),
)
CANCEL_REASON = "该书已停印，红能量已退回，可改兑其他学习资料"


def _staff(branch: str, people: dict[str, list[demo_meetings.Person]]) -> Member:
    return Member.get(next(p.member_no for p in people[branch] if "branch_secretary" in p.roles))


def seed() -> tuple[int, int]:
    """The catalogue and the spends; returns (offers added, spends made) by this run."""
    people = demo_meetings.people()
    secretary = Member.get(demo_registry.DEMO_SECRETARY.member_no)
    branch = secretary.branch_id
    committee = Member.get(demo_registry.DEMO_COMMITTEE.member_no)
    ids: dict[str, str] = {}
    added = 0
    for o in OFFERS:
        staff = committee if o.unit == "committee" else secretary
        unit = COMMITTEE if o.unit == "committee" else branch
        body: dict[str, object] = {"title": o.title, "description": o.description,
                                   "request_key": o.key}  # fmt: skip
        if o.kind == "item":
            body |= {"cost": o.amount, "stock": o.stock}
        else:
            deadline = clock.today() + timedelta(days=o.days_left)
            body |= {"target": o.amount, "deadline": deadline.isoformat()}
        view, created = catalog.create_offer(registry.caller_for(staff), staff, unit, o.kind, body)
        ids[o.key] = view["id"]
        added += created
    spenders = [p.member_no for p in people[branch] if not p.roles]
    spenders.insert(0, demo_registry.DEMO_MEMBER.member_no)
    made = 0
    now = clock.now()
    for n, (key, offer, size, days_ago, outcome) in enumerate(SPENDS):
        member = Member.get(spenders[n % len(spenders)])
        made += _spend(member, secretary, committee, ids[offer], key, size, now - days_ago * 86400,
                       outcome)  # fmt: skip
    return added, made


def _spend(member: Member, secretary: Member, committee: Member, offer_id: str, key: str,
           size: int, at: float, outcome: str | None) -> int:  # fmt: skip
    caller = registry.caller_for(member)
    with demo_activity.moved_clock() as then:
        then[0] = at
        try:
            if ".i-" in offer_id:
                cost = int(catalog.load_offer(offer_id, "item").cost)  # as her page shows it
                body = {"item_id": offer_id, "quantity": size, "cost": cost, "request_key": key}
                answer, created = red_energy.redeem(caller, member, body)
            else:
                body = {"project_id": offer_id, "amount": size, "request_key": key}
                answer, created = red_energy.donate(caller, member, body)
        except ApiError:  # not enough earned yet, or the offer closed: skipped
            return 0
        order = answer.get("order")
        if order and outcome and order["state"] == "pending":
            then[0] = at + 2 * 86400
            staff = committee if offer_id.startswith(f"{COMMITTEE}.") else secretary
            staff_caller = registry.caller_for(staff)
            if outcome == "done":
                catalog.fulfil(staff_caller, staff, order["id"])
            else:
                red_energy.cancel_order(staff_caller, staff, order["id"], CANCEL_REASON)
    return int(created)


def main() -> int:
    added, made = seed()
    print(f"示范红能量：新增物品和项目 {added} 个，兑换和捐赠 {made} 笔")
    return 0


if __name__ == "__main__":
    sys.exit(main())
