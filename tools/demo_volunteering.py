"""The demo organisation's 志愿服务 for `make dev`: three activities held in the last weeks (sign-
ups, check-ins on the day, a few hours set by staff, the hours confirmed and 奉献分 awarded),
and two coming up with members already signed up, so the member's page and the desk show a
living organisation — and the demo member (李明) has hours of her own and one to sign up for.

Played through `chalicelib.volunteering` itself (publish, sign-up, check-in with the code of
that moment, hours, confirm) with this thread's clock moved to each moment
(`demo_activity.moved_clock`): every row has its real time and the points go through the ledger.

Idempotent: each activity's id derives from its publisher and a fixed request key, so a second
run finds it and writes nothing.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib import checkin_codes, clock, registry, volunteering
from chalicelib.errors import ApiError
from chalicelib.models import Member, VolunteerActivity
from chalicelib.settings import get_settings
from tools import demo_activity, demo_meetings, demo_registry


@dataclass(frozen=True)
class Planned:
    key: str
    unit: str
    topic: str
    place: str
    description: str
    days: int  # from today: negative in the past
    at: str  # HH:MM, Beijing
    hours: float  # the length
    places: int
    joined: int  # how many sign up
    absent: int  # of those, how many do not check in (held ones)
    full_only: bool = False


PLANNED = (
    Planned("demo-vol-0001", "G01", "社区安全用电义务宣传", "幸福里社区广场",
            "向社区居民讲解家庭安全用电常识，义务检查老旧线路。", -38, "09:00", 3, 12, 10, 1),
    Planned("demo-vol-0002", "C01", "关爱留守儿童送温暖", "城郊希望小学",
            "为留守儿童送去学习用品，开展安全用电小课堂。", -16, "14:30", 2.5, 20, 15, 2),
    Planned("demo-vol-0003", "B0301", "变电站周边义务植树", "110kV 城东变电站",
            "在变电站周边空地植树护绿。", -9, "08:30", 4, 8, 8, 0),
    Planned("demo-vol-0004", "G01", "社区义诊志愿服务", "幸福里社区服务中心",
            "协助社区医院为老人测血压、登记，讲解冬季用电安全。", 4, "09:00", 3, 15, 6, 0),
    Planned("demo-vol-0005", "G02", "营业厅便民服务日", "城区供电营业厅",
            "引导群众办理业务，演示网上国网应用。", 9, "09:30", 3.5, 10, 3, 0, True),
)  # fmt: skip

MANAGER_ROLE = {"committee": "party_committee", "general_branch": "general_branch_committee"}


def _publisher(people: dict[str, list[demo_meetings.Person]], unit_id: str) -> Member:
    unit = registry.get_unit(unit_id)
    role = MANAGER_ROLE.get(unit.kind, "branch_secretary")
    for branch in sorted(people):
        if unit_id not in registry.get_unit(branch).path:
            continue
        for p in people[branch]:
            if role in p.roles:
                return Member.get(p.member_no)
    raise LookupError(f"no {role} for {unit_id}")


def _candidates(people: dict[str, list[demo_meetings.Person]], unit_id: str) -> list[str]:
    out = []
    for branch in sorted(people):
        if unit_id in registry.get_unit(branch).path:
            out += [p.member_no for p in people[branch] if not p.roles]
    return out


def _start(plan: Planned) -> datetime:
    hh, mm = (int(x) for x in plan.at.split(":"))
    day = clock.today() + timedelta(days=plan.days)
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=clock.TZ)


def seed() -> tuple[int, int]:
    """Play the planned activities; returns (activities published now, sign-ups written)."""
    people = demo_meetings.people()
    rng = random.Random(20261202)
    made = signed = 0
    for plan in PLANNED:
        publisher = _publisher(people, plan.unit)
        aid = volunteering.activity_id_for(publisher.member_no, plan.key)
        try:
            VolunteerActivity.get(aid, consistent_read=True)
            continue  # played before
        except VolunteerActivity.DoesNotExist:
            pass
        pool = _candidates(people, plan.unit)
        chosen = rng.sample(pool, min(plan.joined, len(pool)))
        demo_member = demo_registry.DEMO_MEMBER.member_no
        if plan.unit in ("G01", "C01") and plan.days < 0 and demo_member not in chosen:
            chosen[0] = demo_member  # 李明 took part: hours of her own
        signed += _play(plan, publisher, chosen, rng)
        made += 1
    return made, signed


def _play(plan: Planned, publisher: Member, chosen: list[str], rng: random.Random) -> int:
    start = _start(plan)
    end = start + timedelta(minutes=round(plan.hours * 60))
    caller = registry.caller_for(publisher)
    step = get_settings().checkin_step_seconds
    real_now = clock.now()
    held = plan.days < 0
    with demo_activity.moved_clock() as at:
        if held:
            at[0] = start.timestamp() - 6 * 86400
        body = {
            "unit_id": plan.unit,
            "topic": plan.topic,
            "place": plan.place,
            "description": plan.description,
            "starts_at": start.isoformat(timespec="minutes"),
            "ends_at": end.isoformat(timespec="minutes"),
            "places": plan.places,
            "full_only": plan.full_only,
            "request_key": plan.key,
        }
        activity, _ = volunteering.publish(caller, publisher, body)
        aid = activity["id"]
        joined: list[Member] = []
        for i, member_no in enumerate(chosen):
            at[0] = (start.timestamp() - 3 * 86400 + i * 1800) if held else real_now + i
            member = Member.get(member_no)
            try:
                volunteering.sign_up(registry.caller_for(member), member, aid)
            except ApiError:
                continue  # moved away by a demo transfer, or not a full member: as in life
            joined.append(member)
        if not held:
            return len(joined)
        secret = VolunteerActivity.get(aid, consistent_read=True).checkin_secret
        present = joined[: len(joined) - plan.absent]
        for i, member in enumerate(present):
            at[0] = start.timestamp() - 600 + i * 47
            code = checkin_codes.current(secret, at[0], step).code
            volunteering.check_in(registry.caller_for(member), member, aid, code)
        at[0] = end.timestamp() + 3600
        if present and rng.random() < 0.8:  # one stayed on to tidy up
            volunteering.set_hours(caller, aid, present[-1].member_no, plan.hours + 0.5)
        volunteering.confirm(caller, aid)
    return len(joined)


def main() -> int:
    made, signed = seed()
    print(f"示范志愿服务：新发布 {made} 项活动、{signed} 人次报名（已有的不变）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
