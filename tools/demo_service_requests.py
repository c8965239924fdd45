"""The demo organisation's 诉求 for `make dev`: two months of requests from members of several
branches — answered and rated, one transferred to the unit it belongs to, one being handled, one
waiting past its 受理 limit (超时), one anonymous, one withdrawn — and the demo member 李明's own,
so 我的诉求, 诉求办理's queues and its four rates all show a living organisation.

Played through `chalicelib.service_requests` itself (submit, then each staff step), with this
thread's clock moved to each moment (`demo_activity.moved_clock`), so every step has its person
and its time and takes the real path (conditional writes, messages).

Idempotent: each request's id derives from its member and a fixed request key, so a second run
finds it and plays nothing again.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from chalicelib import clock, registry, service_requests
from chalicelib.models import Member
from chalicelib.models.service_requests import ServiceRequest
from tools import demo_activity, demo_meetings, demo_registry


@dataclass(frozen=True)
class Planned:
    key: str
    branch: str  # the submitter's branch (her position: `who`)
    who: int  # index among the branch's members without a role
    category: str
    text: str
    days_ago: float
    # (act, hours after the previous step, extra body) — acted by the routed unit's staff
    steps: tuple[tuple[str, float, dict], ...] = ()
    rating: str | None = None
    comment: str | None = None
    anonymous: bool = False
    withdraw: bool = False


def _accept(hours: float) -> tuple[str, float, dict]:
    return ("accept", hours, {})


def _close(hours: float, answer: str) -> tuple[str, float, dict]:
    return ("close", hours, {"answer": answer})


PLANNED = (
    Planned("demo-request-0001", "B0101", 0, "study",
            "建议把每月的集中学习时间固定在第二周周四下午，方便大家提前安排工作。", 52.3,
            (_accept(3), _close(20, "支部委员会研究同意，自下月起固定在第二周周四下午。")),
            "satisfied", "安排得很合理"),
    Planned("demo-request-0002", "B0201", 1, "workplace",
            "客服大厅夜间值班休息室空调老化，夏季温度过高，希望更换。", 47.1,
            (_accept(10), ("handle", 4, {"note": "已报后勤部门，列入本月维修计划"}),
             _close(96, "休息室空调已于本周更换完毕。")),
            "basic", "希望以后能更快一些"),
    Planned("demo-request-0003", "B0301", 0, "hardship",
            "家中老人重病住院，医疗费用负担较重，希望组织上给予帮助。", 38.6,
            (_accept(2), ("handle", 5, {"note": "已走访慰问，按困难党员帮扶办法申请补助"}),
             _close(70, "困难帮扶补助 3000 元已发放，工会同步送去慰问金。")),
            "satisfied", "感谢组织的关心", anonymous=True),
    Planned("demo-request-0004", "B0402", 0, "branch_life",
            "供电所班组倒班，希望支部的主题党日能安排线上参加的方式。", 30.2,
            (_accept(30), ("transfer", 2, {"to_unit": "G04", "note": "涉及多个支部，由党总支统筹"}),
             _accept(6), _close(48, "党总支已统一开通线上参会，倒班党员可在线签到。")),
            "basic"),
    Planned("demo-request-0005", "B0102", 1, "rules",
            "建议修订党费交纳办法中的退休党员基数认定口径，现行规定不够清楚。", 21.5,
            (_accept(20), _close(150, "已在新版办法第五条中明确，详见党建园地通知。")),
            "unsatisfied", "答复太慢了"),
    Planned("demo-request-0006", "B0202", 2, "other",
            "党员活动室的图书有些陈旧，建议补充一批新书。", 3.1,
            (_accept(5), ("handle", 24, {"note": "已拟定书目，等待采购"}))),
    Planned("demo-request-0007", "B0302", 1, "branch_life",
            "希望支部组织一次到红色教育基地的参观学习。", 6.8,
            (_accept(4), _close(1, "已纳入下季度主题党日计划，届时通知。"))),
    Planned("demo-request-0008", "B0401", 2, "study",
            "学习强国的积分能否和平台积分打通？", 2.6),  # waiting past its 受理 limit: 超时
    Planned("demo-request-0009", "B0201", 3, "other",
            "想了解入党积极分子培训的报名方式。", 9.1, withdraw=True),
    # The demo member 李明 (10000009, B0101): one answered to rate, one just submitted.
    Planned("demo-request-0010", "B0101", -1, "branch_life",
            "建议支部微信群里的学习资料按月整理成合集，方便查找。", 15.2,
            (_accept(2), _close(26, "支部已安排专人每月整理，发布在党建园地。"))),
    Planned("demo-request-0011", "B0101", -1, "workplace",
            "办公楼三楼的党员活动室投影仪经常无信号，希望检修。", 0.4),
)  # fmt: skip


def _submitter(people: dict[str, list[demo_meetings.Person]], plan: Planned) -> str:
    if plan.who < 0:
        return demo_registry.DEMO_MEMBER.member_no
    accounts = {a.member_no for a in demo_registry.DEMO_ACCOUNTS}
    plain = [p for p in people[plan.branch] if not p.roles and p.member_no not in accounts]
    return plain[plan.who].member_no


def _handler(people: dict[str, list[demo_meetings.Person]], unit_id: str, not_me: str) -> Member:
    """A staff member whose role applies at the unit (its secretary first)."""
    staff = sorted(
        (p for ps in people.values() for p in ps if p.roles and p.member_no != not_me),
        key=lambda p: ("branch_secretary" not in p.roles, p.member_no),
    )
    for person in staff:
        member = Member.get(person.member_no)
        if unit_id in service_requests.handled_units(registry.caller_for(member)):
            return member
    raise LookupError(f"no staff member handles {unit_id}")


def seed() -> int:
    """Play the planned requests not played yet; returns how many were played now."""
    people = demo_meetings.people()
    played = 0
    now = clock.now()
    for plan in PLANNED:
        member = Member.get(_submitter(people, plan))
        rid = service_requests.request_id(member.member_no, plan.key)
        try:
            ServiceRequest.get(rid, consistent_read=True)
            continue
        except ServiceRequest.DoesNotExist:
            pass
        _play(plan, member, people, now)
        played += 1
    return played


def _play(plan: Planned, member: Member, people, now: float) -> None:
    with demo_activity.moved_clock() as at:
        at[0] = now - plan.days_ago * 86400
        caller = registry.caller_for(member)
        body = {"category": plan.category, "text": plan.text, "request_key": plan.key,
                "anonymous": plan.anonymous}  # fmt: skip
        made, _ = service_requests.submit(caller, member, body)
        rid = made["id"]
        if plan.withdraw:
            at[0] += 3600
            service_requests.withdraw(caller, member, rid, {"note": "已自行了解清楚"})
            return
        for act, hours, extra in plan.steps:
            at[0] += hours * 3600
            unit = ServiceRequest.get(rid, consistent_read=True).unit_id
            staff = _handler(people, unit, member.member_no)
            service_requests.act(registry.caller_for(staff), staff, rid, {"act": act, **extra})
        if plan.rating:
            at[0] += 5 * 3600
            rating = {"rating": plan.rating, **({"comment": plan.comment} if plan.comment else {})}
            service_requests.rate(caller, member, rid, rating)


def main() -> int:
    print(f"示范诉求：新办理 {seed()} 件（已有的不变）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
