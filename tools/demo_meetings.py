"""The demo organisation's organisation life for `make dev`: for each branch the last three
months of 三会一课 and 主题党日 as they would be recorded, and the meetings coming up.

Past meetings (before now): 主题党日, 支部委员会 and 党小组会 (one per party group) every month,
and in each calendar quarter touched a 党课 (its first month generated) and a 支部党员大会 (its
last); each with its attendance (most present by check-in, a few on approved leave with their
reasons, the odd unexcused absence), minutes and decisions, locked by the secretary a day or two
after. One correction is kept in the first branch (a check-in made up afterwards, with why).
Coming meetings: this month's 支部委员会 and 主题党日 not yet held, and next month's 支部委员会,
scheduled with their attendance rows and one or two leave requests. One branch (LAGGARD) has
not held this month's 主题党日: it is scheduled after the 20th, so the warning has something to
show (after the 25th it is simply missing).

Written straight through the models (`meeting_row`, `attendance_row` fill every attribute as
models/meetings.py documents them; the tests use them too). Deterministic: the plan is a pure
function of the demo registry and today, every choice drawn from RNGs seeded by SEED, branch
and meeting; ids are `mt_demo_<branch>_<YYYYMM>_<kind>[_<n>]`. Idempotent: only meetings whose
id is not in the table are written (with their rows), so a second run changes nothing and what
members did to a meeting since (a leave request, a check-in) is kept.
"""

from __future__ import annotations

import random
import secrets
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.models import Attendance, Meeting
from chalicelib.models.meetings import Correction
from chalicelib.org import ROLE_BY_LABEL, STATUS_LABELS
from tools import demo_registry

SEED = 20261201
PAST_MONTHS = 3
LAGGARD = "B0402"  # has not held this month's 主题党日
CORRECTED = "B0101"  # keeps one attendance correction
GROUP_SIZE = 20  # a branch this big or bigger has two party groups
LOCK_AFTER_MINUTES = 180  # a record is submitted within hours of the meeting at the earliest
LEAVE_REASONS = (
    "出差外地，参加省公司业务培训",
    "值班抢修，无法脱岗",
    "生病住院治疗",
    "家中老人住院，需陪护",
    "休年假外出",
    "参加上级单位集中学习",
    "迎峰度冬保供电现场值守",
)
REQUESTED_REASONS = ("当天在外地开展用电检查", "孩子学校家长会", "倒班夜班后需要休息")
PLACES = {
    "G01": "机关办公楼三楼党员活动室",
    "G02": "营销服务中心二楼会议室",
    "G03": "运维检修部党员之家",
    "G04": "供电所一楼会议室",
}
THEME_TOPICS = (
    ("学习贯彻党的二十届四中全会精神", "集中学习全会公报，观看专题辅导视频，党员结合岗位交流体会"),
    ("重温入党誓词，争当保供电先锋", "全体党员重温入党誓词，到抢修班组开展党员先锋岗挂牌"),
    ("走进社区，开展安全用电志愿服务", "党员志愿者到社区讲解安全用电常识，为老年户检查线路"),
    ("学习《中国共产党纪律处分条例》", "逐章学习条例重点条款，观看警示教育片，开展廉洁承诺"),
    ("参观红色教育基地，传承红色基因", "组织党员参观革命纪念馆，讲解员讲述革命先辈事迹"),
    ("党建引领优化营商环境", "学习“获得电力”服务提升举措，党员认领办电堵点问题"),
)
COMMITTEE_TOPICS = (
    "研究本月支部工作安排和主题党日方案",
    "研究发展党员工作和入党积极分子培养",
    "研究党员积分评定和党费收缴情况",
    "研究季度党课安排和支部党员大会议程",
)
GROUP_TOPICS = (
    "学习党章，交流学习体会",
    "学习习近平总书记重要讲话精神",
    "讨论班组安全生产中的党员作用",
    "交流“学习强国”和网上党校学习情况",
)
LECTURE_TOPICS = (
    "书记讲党课：以高质量党建引领供电服务提质增效",
    "党课：牢记初心使命，做新时代合格党员",
    "党课：从党史中汲取奋进力量",
)
ASSEMBLY_TOPICS = (
    "通报季度支部工作，讨论预备党员转正",
    "通报支部工作，评议党员先锋岗",
)


@dataclass(frozen=True)
class Person:
    member_no: str
    name: str
    branch_id: str
    status: str  # full / probationary
    roles: tuple[str, ...]


@dataclass
class Row:
    member_no: str
    name: str
    status: str
    leave: str | None = None  # requested / approved
    leave_reason: str | None = None
    present: bool | None = None
    absent: bool | None = None
    corrected: bool = False  # present by the organiser's correction (no check-in)


@dataclass
class Planned:
    meeting_id: str
    branch_id: str
    kind: str
    topic: str
    starts: datetime
    minutes_long: int
    host: str
    recorder: str
    locked: bool
    place: str
    now: datetime
    rows: list[Row] = field(default_factory=list)
    minutes: str | None = None
    decisions: list[str] | None = None


# --- Rows as models/meetings.py documents them (the tests write theirs with these too) -------


def iso(moment: datetime) -> str:
    """starts_at / ends_at: ISO 8601 with the Beijing offset."""
    return moment.astimezone(clock.TZ).isoformat(timespec="seconds")


def meeting_row(
    meeting_id: str,
    *,
    unit_id: str,
    unit_path: Sequence[str],
    unit_name: str,
    kind: str,
    topic: str,
    starts: datetime,
    ends: datetime,
    organiser: str,
    created_at: float,
    state: str = "scheduled",
    locked_at: float | None = None,
    locked_by: str | None = None,
    checkin_secret: str | None = None,
    **optional: Any,
) -> Meeting:
    """A Meeting with every attribute the model requires and its index keys; `optional` is any
    other attribute (host, recorder, place, minutes, decisions, invited, corrections, …)."""
    starts_at = iso(starts)
    return Meeting(
        meeting_id,
        unit_id=unit_id,
        unit_path=list(unit_path),
        unit_name=unit_name,
        kind=kind,
        topic=topic,
        starts_at=starts_at,
        ends_at=iso(ends),
        month=starts_at[:7],
        organiser=organiser,
        state=state,
        locked_at=locked_at,
        locked_by=locked_by,
        checkin_secret=checkin_secret or secrets.token_urlsafe(24),
        created_at=created_at,
        updated_at=optional.pop("updated_at", locked_at or created_at),
        unit_sort=f"{starts_at}#{meeting_id}",
        tree_sort=f"{'/'.join(unit_path)}/#{starts_at}#{meeting_id}",
        **optional,
    )


def attendance_row(
    meeting: Meeting, member_no: str, name: str, branch_id: str, **optional: Any
) -> Attendance:
    """An Attendance row of the meeting; `optional`: status (default full), role, leave, …"""
    optional.setdefault("status", "full")
    return Attendance(
        meeting.meeting_id,
        member_no,
        name=name,
        branch_id=branch_id,
        member_sort=f"{meeting.starts_at}#{meeting.meeting_id}",
        **optional,
    )


# --- The plan --------------------------------------------------------------------------------


def people() -> dict[str, list[Person]]:
    """The demo registry's members by branch, in member-number order."""
    _, members = demo_registry.generate()
    status = {label: key for key, label in STATUS_LABELS.items()}
    out: dict[str, list[Person]] = {}
    for m in members:
        roles = tuple(ROLE_BY_LABEL[r].key for r in m["职务"].split("、") if r)
        person = Person(m["党员编号"], m["姓名"], m["所在支部"], status[m["人员类别"]], roles)
        out.setdefault(person.branch_id, []).append(person)
    return out


def _month_start(month_index: int) -> date:
    return date(month_index // 12, month_index % 12 + 1, 1)


def _at(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=clock.TZ)


def _committee(members: list[Person]) -> list[Person]:
    return [p for p in members if {"branch_secretary", "branch_committee"} & set(p.roles)]


def _groups(members: list[Person]) -> list[list[Person]]:
    if len(members) < GROUP_SIZE:
        return [members]
    return [members[0::2], members[1::2]]


def _attendance(rng: random.Random, invited: list[Person], locked: bool, host: str) -> list[Row]:
    """Held: most present, a few on approved leave with a reason, the odd unexcused absence
    (never the host). Coming: one or two ask for leave (on a committee, none or one), the first
    still waiting for the organiser, a second already approved."""
    rows = [Row(p.member_no, p.name, p.status) for p in invited]
    others = [r for r in rows if r.member_no != host]
    if not locked:
        asking = rng.sample(
            others, min(len(others), rng.choice((1, 2) if len(rows) >= 10 else (0, 1)))
        )
        for n, row in enumerate(asking):
            if n == 0:
                row.leave, row.leave_reason = "requested", rng.choice(REQUESTED_REASONS)
            else:
                row.leave, row.leave_reason = "approved", rng.choice(LEAVE_REASONS)
        return rows
    for row in rows:
        draw = rng.random()
        if row.member_no != host and draw < 0.08:
            row.leave, row.leave_reason = "approved", rng.choice(LEAVE_REASONS)
        elif row.member_no != host and draw < 0.105:
            row.absent = True  # unexcused: neither present nor on approved leave
        else:
            row.present = True
    return rows


def _minutes(m: Planned, kind_label: str, names: dict[str, str], detail: str) -> str:
    """The minutes as a recorder writes them: who, how many, who was away and why, what."""
    present = sum(1 for r in m.rows if r.present)
    away = [r for r in m.rows if not r.present]
    absent = "；".join(
        f"{r.name}（{'请假：' + (r.leave_reason or '') if r.leave == 'approved' else '无故缺席'}）"
        for r in away
    )
    when = f"{m.starts.year}年{m.starts.month}月{m.starts.day}日 {m.starts:%H:%M}"
    text = (
        f"{when}，{m.place}召开{kind_label}，{names[m.host]}主持，{names[m.recorder]}记录。"
        f"应到{len(m.rows)}人，实到{present}人" + (f"，缺席：{absent}" if absent else "") + "。\n"
        f"会议主题：{m.topic}。\n{detail}"
    )
    if m.kind != "branch_committee":
        text += "\n会议要求：全体党员要把学习成果转化为做好本职工作的实际行动，"
        text += "在安全生产、优质服务中发挥先锋模范作用。"
    return text


DETAILS = {
    "theme_day": "党员逐一发言，结合岗位实际谈认识、提措施。",
    "branch_committee": (
        "委员们逐项讨论本月重点工作分工、主题党日方案、党员教育管理情况，形成一致意见。"
    ),
    "group_meeting": "党小组长领学，小组成员轮流交流学习体会，查找自身不足。",
    "party_lecture": (
        "支部书记围绕主题讲授党课，结合供电服务一线案例，阐述党员如何立足岗位作贡献。"
    ),
    "branch_assembly": "书记通报本季度支部工作，听取预备党员思想汇报，党员大会逐项审议有关事项。",
}
DECISIONS = {
    "theme_day": ("各党小组于月底前提交学习心得", "党员先锋岗活动持续开展，下月通报"),
    "branch_committee": ("下月主题党日由组织委员牵头筹备", "督促党员按时交纳党费"),
    "group_meeting": ("每名党员本月完成一篇学习笔记",),
    "party_lecture": ("党课讲稿在支部园地公布，供未参加的党员学习",),
    "branch_assembly": ("同意支部季度工作通报", "会议形成的事项由支委会分工落实"),
}


@dataclass
class _Branch:
    """One branch's meetings being planned."""

    branch_id: str
    members: list[Person]
    now: datetime
    place: str
    out: list[Planned] = field(default_factory=list)

    @property
    def secretary(self) -> str:
        return self.members[0].member_no

    @property
    def committee(self) -> list[Person]:
        return _committee(self.members)

    def add(self, mi: int, kind: str, day: int, at: tuple[int, int, int], topic: str,
            invited: list[Person], *, suffix: str = "", host: str | None = None,
            detail: str = "") -> None:  # fmt: skip
        """A meeting on `day` of month `mi`; `at`: hour, minute, length in minutes."""
        from chalicelib import meeting_kinds

        first = _month_start(mi)
        starts = _at(first.replace(day=day), at[0], at[1])
        mid = f"mt_demo_{self.branch_id}_{first:%Y%m}_{kind}{suffix}"
        committee = self.committee
        recorder = committee[1].member_no if len(committee) > 1 else self.secretary
        # Recorded once it is over and some hours have passed for the record.
        locked = starts + timedelta(minutes=at[2] + LOCK_AFTER_MINUTES) < self.now
        m = Planned(mid, self.branch_id, kind, topic, starts, at[2], host or self.secretary,
                    recorder, locked, self.place, self.now)  # fmt: skip
        m.rows = _attendance(random.Random(f"{SEED}:{mid}"), invited, locked, m.host)
        if locked:
            names = {p.member_no: p.name for p in self.members}
            label = meeting_kinds.kinds()[kind].label
            m.minutes = _minutes(m, label, names, detail or DETAILS[kind])
            m.decisions = list(DECISIONS[kind])
        self.out.append(m)


def _plan_branch(b: _Branch, today: date) -> None:
    this = today.year * 12 + today.month - 1
    past = range(this - PAST_MONTHS, this)
    quarters: dict[int, list[int]] = {}
    for mi in past:
        quarters.setdefault(mi // 3, []).append(mi)
    for mi in [*past, this, this + 1]:
        rng = random.Random(f"{SEED}:{b.branch_id}:{mi}")
        # 支部委员会 early in the month (next month's too: it is noticed already).
        topic = COMMITTEE_TOPICS[mi % len(COMMITTEE_TOPICS)]
        b.add(mi, "branch_committee", rng.randint(3, 8), (16, 0, 60), topic, b.committee)
        if mi > this:
            continue
        day = rng.randint(10, 18)
        if mi == this and b.branch_id == LAGGARD:
            if today.day >= 25:
                continue  # not held, and too late to notice it this month
            day = 26
        topic, activity = THEME_TOPICS[(mi + int(b.branch_id[1:])) % len(THEME_TOPICS)]
        detail = f"活动内容：{activity}。{DETAILS['theme_day']}"
        b.add(mi, "theme_day", day, (14, 30, 120), topic, b.members, detail=detail)
        if mi == this:
            continue
        for n, group in enumerate(_groups(b.members), 1):
            leader = next((p for p in group if p.member_no != b.secretary), group[0])
            topic = f"第{n}党小组：{GROUP_TOPICS[(mi + n) % len(GROUP_TOPICS)]}"
            b.add(mi, "group_meeting", rng.randint(19, 26), (17, 0, 60), topic, group,
                  suffix=f"_{n}", host=leader.member_no)  # fmt: skip
        months = quarters[mi // 3]
        if mi == months[0]:
            topic = LECTURE_TOPICS[mi % len(LECTURE_TOPICS)]
            b.add(mi, "party_lecture", rng.randint(20, 24), (15, 0, 90), topic, b.members)
        if mi == months[-1]:
            topic = ASSEMBLY_TOPICS[mi % len(ASSEMBLY_TOPICS)]
            b.add(mi, "branch_assembly", 27, (14, 30, 120), topic, b.members)


def plan(today: date, now: datetime | None = None) -> list[Planned]:
    """Every demo meeting as of `today` (Beijing): the last PAST_MONTHS months, this month's
    held up to `now`, the rest of this month and next month's 支部委员会 coming."""
    now = now or _at(today, 0, 0)
    general = {bid: gid for gid, _, bs in demo_registry.GENERAL_BRANCHES for bid, _ in bs}
    out: list[Planned] = []
    for branch_id, members in people().items():
        branch = _Branch(branch_id, members, now, PLACES[general[branch_id]])
        _plan_branch(branch, today)
        out.extend(branch.out)
    out.sort(key=lambda m: (m.branch_id, m.starts, m.meeting_id))
    return out


def _corrected(m: Planned) -> Row | None:
    """The one kept correction: in CORRECTED's 主题党日s, a member marked present after the
    meeting (she could not check in), with why."""
    if m.branch_id != CORRECTED or m.kind != "theme_day" or not m.locked:
        return None
    return next((r for r in m.rows if r.present), None)


def rows_of(m: Planned, units: dict[str, Any]) -> tuple[Meeting, list[Attendance]]:
    """The planned meeting as model rows (times derived from its start, no randomness but the
    check-in secret of a new meeting)."""
    unit = units[m.branch_id]
    secretary = unit["secretary"]
    start = m.starts.timestamp()
    ends = m.starts + timedelta(minutes=m.minutes_long)
    # Noticed six days before, or a while ago when that is still to come (never in the future).
    created = min(start - 6 * 86400, m.now.timestamp() - 4 * 3600)
    # Submitted the next day (a few hours' spread), or hours after when that is still to come.
    spread = sum(map(ord, m.meeting_id)) % 5
    locked_at = None
    if m.locked:
        locked_at = ends.timestamp() + 86400 + 3600 * spread
        if locked_at > m.now.timestamp():
            locked_at = ends.timestamp() + 60 * LOCK_AFTER_MINUTES - 600
    meeting = meeting_row(
        m.meeting_id,
        unit_id=unit["id"],
        unit_path=unit["path"],
        unit_name=unit["name"],
        kind=m.kind,
        topic=m.topic,
        starts=m.starts,
        ends=ends,
        organiser=secretary,
        created_at=created,
        state="locked" if m.locked else "scheduled",
        locked_at=locked_at,
        locked_by=secretary if m.locked else None,
        host=m.host,
        recorder=m.recorder,
        place=m.place,
        invited=len(m.rows),
        guests=0,
        visible_to_members=m.kind != "branch_committee",
        minutes=m.minutes,
        decisions=m.decisions,
    )
    corrected = _corrected(m)
    rows = []
    for r in m.rows:
        extra: dict[str, Any] = {"status": r.status}
        if r.leave:
            extra |= {"leave": r.leave, "leave_reason": r.leave_reason, "leave_at": created + 3600}
            if r.leave == "approved":
                extra |= {"leave_decided_by": secretary, "leave_decided_at": created + 7200}
        if r.present and r is corrected:
            extra["present"] = True
            extra["corrections"] = [
                Correction(
                    at=ends.timestamp() + 1800,
                    by=m.recorder,
                    field="present",
                    before="未签到",
                    after="出席",
                    reason=f"{r.name}签到时手机没电，会后由记录人核实补记",
                )
            ]
        elif r.present:
            offset = (int(r.member_no) * 37) % 900 - 600  # from 10 min before to 5 after
            extra |= {"present": True, "checked_in_at": start + offset}
        elif r.absent:
            extra |= {"present": False, "absent": True}
        elif m.locked:
            extra["present"] = False
        rows.append(attendance_row(meeting, r.member_no, r.name, m.branch_id, **extra))
    return meeting, rows


def _units() -> dict[str, dict[str, Any]]:
    by_branch = people()
    out = {}
    for gid, _, branches in demo_registry.GENERAL_BRANCHES:
        for bid, name in branches:
            out[bid] = {
                "id": bid,
                "name": name,
                "path": [demo_registry.COMMITTEE[0], gid, bid],
                "secretary": by_branch[bid][0].member_no,
            }
    return out


def existing(ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), 100):
        batch = wanted[start : start + 100]
        found.update(
            m.meeting_id for m in Meeting.batch_get(batch, attributes_to_get=["meeting_id"])
        )
    return found


def seed(today: date | None = None, now: datetime | None = None) -> tuple[int, int]:
    """Write the demo meetings that are not in the table yet: (meetings, attendance rows).
    Their rows first, the meeting last: a run cut short writes them again on the next."""
    now = now or clock.local_now()
    planned = [m for m in plan(today or now.date(), now)]
    have = existing(m.meeting_id for m in planned)
    units = _units()
    made = [rows_of(m, units) for m in planned if m.meeting_id not in have]
    with Attendance.batch_write() as batch:
        for _, attendance in made:
            for row in attendance:
                batch.save(row)
    with Meeting.batch_write() as batch:
        for meeting, _ in made:
            batch.save(meeting)
    return len(made), sum(len(a) for _, a in made)


def main() -> int:
    meetings, rows = seed()
    print(f"示范会议：新写入 {meetings} 次会议、{rows} 条出勤记录")
    return 0


if __name__ == "__main__":
    sys.exit(main())
