"""The demo organisation's 党员发展 for `make dev`: people at every stage in a few branches, as a
living organisation has them — two fresh 入党申请人 (one whose talk is due this week, one whose
talk is a fortnight overdue), 入党积极分子 in their year of training (one with this quarter's
思想汇报 overdue), a 发展对象 before publicity, a 预备党员 and a 正式党员 who came all the way
through the platform (their member items in the registry, numbered 1999xxxx).

Each person's steps are laid out from her application day with the gaps the rules allow
(recruitment_stages.toml: the talk within a month, a year as activist, five working days of
publicity, …) and cut at today, so every timeline is one the API itself would have accepted.
Written straight through the models; deterministic (ids `rp_demo_<branch>_<n>`); idempotent:
a person already in the table is left as she is (what staff recorded since is kept).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from chalicelib import clock, ranking_log
from chalicelib.models import Member, OrgUnit
from chalicelib.models.base import condition_failed
from chalicelib.models.recruitment import Recruit, StepRecord
from chalicelib.models.registry import remind_key
from chalicelib.recruitment_stages import Rules, rules
from tools import demo_meetings, demo_registry

# Days after the application each step is done on (within the rules' limits).
WALK: tuple[tuple[str, int], ...] = (
    ("application", 0),
    ("talk", 16),
    ("recommend", 35),
    ("activist", 50),
    ("activist_filed", 52),
    ("mentors", 52),
    ("report", 130),
    ("report", 220),
    ("report", 310),
    ("report", 400),
    ("candidate", 420),
    ("candidate_filed", 422),
    ("sponsors", 425),
    ("political_review", 445),
    ("training", 450),
    ("publicity", 460),
    ("pre_review", 472),
    ("branch_meeting", 480),
    ("admission", 500),
    ("oath", 506),
    ("conversion", 850),
    ("conversion_approval", 862),
)
_NOTES = {
    "talk": "支部组织委员谈话，了解入党动机和基本情况",
    "recommend": "党员推荐",
    "mentors": "培养联系人：支部书记、组织委员",
    "sponsors": "入党介绍人：支部书记、宣传委员",
    "training": "参加公司党委入党积极分子培训班（三天），考试合格",
    "publicity": "在支部公示栏和平台公示五个工作日",
    "branch_meeting": "应到 18 人，实到 17 人，全票通过",
    "conversion": "预备期表现良好，全票同意按期转正",
}


@dataclass(frozen=True)
class Demo:
    branch_id: str
    n: int
    name: str
    gender: str
    applied_days_ago: int  # her application this many days before today
    until: str | None = None  # the first step not done yet (None: every step up to today)
    member_no: str | None = None  # admitted: her member number


PEOPLE = (
    Demo("B0101", 1, "林晓雨", "女", 26, until="talk"),  # talk due within the week
    Demo("B0101", 2, "何俊杰", "男", 45, until="talk"),  # talk overdue
    Demo("B0101", 3, "许佳琪", "女", 170),  # activist, in training
    Demo("B0102", 1, "马一鸣", "男", 330, until="report"),  # quarterly report overdue
    Demo("B0201", 1, "郭思远", "男", 455),  # 发展对象, before publicity
    Demo("B0301", 1, "宋雅婷", "女", 700, member_no="19990001"),  # 预备党员
    Demo("B0401", 1, "唐浩然", "男", 1000, member_no="19990002"),  # 正式党员
)


def person_id(demo: Demo) -> str:
    return f"rp_demo_{demo.branch_id}_{demo.n}"


def _records(demo: Demo, today: date, staff: str, committee: str, rules_: Rules, at: float):
    applied = today - timedelta(days=demo.applied_days_ago)
    out = []
    reports = 0
    for key, offset in WALK:
        if key == demo.until and (key != "report" or reports >= 2):
            break
        on = applied + timedelta(days=offset)
        if on > today:
            break
        reports += key == "report"
        out.append(
            StepRecord(
                step=key,
                on=on.isoformat(),
                by=committee if rules_.steps[key].by == "committee" else staff,
                at=at,
                note=_NOTES.get(key),
                outcome="full" if key == "conversion" else None,
            )
        )
    return applied, out


def _stage(records: list[StepRecord], rules_: Rules) -> str:
    stage = "applicant"
    for r in records:
        stage = rules_.steps[r.step].stage or stage
    return stage


def build(today: date, now: datetime) -> list[tuple[Recruit, Member | None]]:
    """The demo people as items (and the member items of those admitted), not written."""
    rules_ = rules()
    units = {u.unit_id: u for u in OrgUnit.batch_get(sorted({d.branch_id for d in PEOPLE}))}
    secretaries = {bid: u["secretary"] for bid, u in demo_meetings._units().items()}
    committee = demo_registry.DEMO_COMMITTEE.member_no
    out = []
    for demo in PEOPLE:
        unit = units.get(demo.branch_id)
        if unit is None:
            continue
        applied, records = _records(
            demo, today, secretaries[demo.branch_id], committee, rules_, now.timestamp()
        )
        stage = _stage(records, rules_)
        pid = person_id(demo)
        person = Recruit(
            pid,
            name=demo.name,
            gender=demo.gender,
            branch_id=unit.unit_id,
            branch_path=list(unit.path),
            branch_path_kinds=list(unit.path_kinds),
            root=unit.path[0],
            tree_sort="/".join(unit.path) + "/#" + pid,
            stage=stage,
            applied_on=applied.isoformat(),
            records=records,
            version=len(records),
            created_at=now.timestamp(),
            created_by=secretaries[demo.branch_id],
            member_no=demo.member_no if stage in ("probationary", "full") else None,
        )
        member = None
        if person.member_no:
            joined = next(r.on for r in records if r.step == "branch_meeting")
            member = Member(
                person.member_no,
                name=demo.name,
                gender=demo.gender,
                branch_id=unit.unit_id,
                status=stage,
                roles=[],
                joined_on=joined,
                active=True,
                remind_key=remind_key([], joined, True),
                updated_at=now.isoformat(timespec="seconds"),
            )
        out.append((person, member))
    return out


def seed(today: date | None = None, now: datetime | None = None) -> int:
    """Write the demo people not in the table yet (and their member items): how many."""
    now = now or clock.local_now()
    made = 0
    registry = False
    for person, member in build(today or now.date(), now):
        if member is not None:
            try:
                member.save(condition=Member.member_no.does_not_exist())
                registry = True
            except Exception as exc:
                if not condition_failed(exc):
                    raise
        try:
            person.save(condition=Recruit.person_id.does_not_exist())
            made += 1
        except Exception as exc:
            if not condition_failed(exc):
                raise
    if registry:
        ranking_log.registry_changed()
    return made


def main() -> int:
    print(f"示范党员发展：新写入 {seed()} 人")
    return 0


if __name__ == "__main__":
    sys.exit(main())
