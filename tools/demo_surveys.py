"""The demo organisation's 问卷 for `make dev`: a 党委-wide 学习需求调查 open for three more weeks
with about two thirds of the members' answers (the demo member 李明 has not answered yet, so her
我的 › 问卷调查 shows it to fill in), a branch's 主题党日满意度 survey closed last month, and a
draft 议题征集 the 党委 is still writing.

Played through `chalicelib.surveys` itself (create, publish, each member's answer, close), with
this thread's clock moved to each moment (`demo_activity.moved_clock`), so the answers take the
real path (validation, the once-only conditional put, the group of each answer).

Idempotent: each survey's id derives from its staff member and a fixed request key, and a second
answer of a member is refused by the API itself (409), so a second run writes nothing.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime
from typing import Any

from chalicelib import clock, registry, surveys
from chalicelib.errors import ConflictError
from chalicelib.models import Member
from tools import demo_activity, demo_meetings, demo_registry

DAY = 86400
LEARNING = [
    {"kind": "single", "text": "您平时主要通过哪种方式参加理论学习？",
     "options": ["支部集中学习", "“学习强国”等平台", "本平台每日学习", "自学书籍报刊"]},
    {"kind": "multiple", "text": "您希望支部增加哪些学习形式？（最多选 3 项）",
     "options": ["专题讲座", "红色教育基地参观", "线上微党课", "读书分享会", "业务技能比武"],
     "max": 3},
    {"kind": "rating", "text": "您对本年度支部学习安排的满意程度"},
    {"kind": "single", "text": "每月集中学习的时长，您认为",
     "options": ["偏多", "合适", "偏少"]},
    {"kind": "text", "text": "对学习内容和形式的其他建议"},
]  # fmt: skip
THEME_DAY = [
    {"kind": "rating", "text": "本次主题党日活动的整体评价"},
    {"kind": "single", "text": "活动时间安排是否合适", "options": ["合适", "偏长", "偏短"]},
    {"kind": "text", "text": "下次活动您希望去哪里或做什么"},
]  # fmt: skip
DRAFT = [
    {"kind": "text", "text": "请提出您认为本年度民主评议应重点讨论的问题", "required": True},
]
SUGGESTIONS = (
    "希望多安排到红色教育基地现场学习。",
    "线上微党课时间短，适合一线班组，建议每周一次。",
    "学习内容可以多结合安全生产和优质服务。",
    "建议读书分享会请老党员讲讲亲身经历。",
    "集中学习尽量避开抢修任务多的时段。",
    "希望学习材料提前发到手机上，方便预习。",
)
PLACES = ("去革命纪念馆参观学习", "到社区开展志愿服务", "和兄弟支部联学联建", "举办党史知识竞赛")


def _local(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, clock.TZ).strftime("%Y-%m-%d %H:%M")


def _answers(qs: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q in qs:
        if q["kind"] == "single":
            out[q["id"]] = rng.choices(q["options"], weights=[5, 3, 2, 1][: len(q["options"])])[0][
                "id"
            ]
        elif q["kind"] == "multiple":
            picks = rng.sample(q["options"], rng.randint(1, q["max"]))
            out[q["id"]] = [o["id"] for o in picks]
        elif q["kind"] == "rating":
            out[q["id"]] = rng.choices([3, 4, 5], weights=[1, 3, 4])[0]
        elif rng.random() < 0.4:
            pool = PLACES if "活动" in q["text"] or "哪里" in q["text"] else SUGGESTIONS
            out[q["id"]] = rng.choice(pool)
    return out


def _play(
    at: list[float],
    staff: Member,
    key: str,
    unit: str,
    title: str,
    qs: list[dict[str, Any]],
    *,
    created: float,
    closes: float,
    publish: bool = True,
) -> tuple[str, bool]:
    at[0] = created
    caller = registry.caller_for(staff)
    body = {
        "unit_id": unit,
        "title": title,
        "intro": "本问卷不记名，统计结果只显示汇总，约需 3 分钟。",
        "questions": qs,
        "closes_at": _local(closes),
        "request_key": key,
    }
    made, new = surveys.create(caller, staff, body)
    if new and publish:
        at[0] = created + 600
        surveys.publish(caller, staff, made["id"])
    return made["id"], new


def _answer_all(at: list[float], sid: str, members: list[Member], start: float, end: float,
                rng: random.Random) -> int:  # fmt: skip
    qs = surveys.questions(surveys.load(sid, consistent=True))
    made = 0
    for m in members:
        at[0] = rng.uniform(start, end)
        try:
            surveys.answer(registry.caller_for(m), sid, {"answers": _answers(qs, rng)})
            made += 1
        except ConflictError:
            pass
    return made


def seed() -> tuple[int, int]:
    """Create, publish, answer and close the demo surveys; returns (surveys made, answers)."""
    people = demo_meetings.people()
    committee = Member.get(demo_registry.DEMO_COMMITTEE.member_no)
    secretary = Member.get(demo_registry.DEMO_SECRETARY.member_no)
    everyone = {p.member_no for branch in people.values() for p in branch}
    rng = random.Random(2026)
    made = answers = 0
    now = clock.now()
    with demo_activity.moved_clock() as at:
        sid, new = _play(at, committee, "demo-survey-learning", committee_root(committee),
                         "2026年党员学习需求调查", LEARNING, created=now - 9 * DAY,
                         closes=now + 21 * DAY)  # fmt: skip
        made += new
        if new:
            chosen = sorted(no for no in everyone if no != demo_registry.DEMO_MEMBER.member_no)
            chosen = [no for no in chosen if rng.random() < 0.66]
            answers += _answer_all(at, sid, _members(chosen), now - 9 * DAY, now - 600, rng)
        branch = secretary.branch_id
        sid, new = _play(at, secretary, "demo-survey-theme-day", branch,
                         "十月主题党日活动满意度", THEME_DAY, created=now - 40 * DAY,
                         closes=now - 25 * DAY)  # fmt: skip
        made += new
        if new:
            mine = [p.member_no for p in people.get(branch, [])]
            answers += _answer_all(at, sid, _members(mine[:-2]), now - 40 * DAY, now - 31 * DAY,
                                   rng)  # fmt: skip
            at[0] = now - 30 * DAY
            surveys.close(registry.caller_for(secretary), secretary, sid)
        _, new = _play(at, committee, "demo-survey-draft", committee_root(committee),
                       "2026年度民主评议议题征集", DRAFT, created=now - 1 * DAY,
                       closes=now + 30 * DAY, publish=False)  # fmt: skip
        made += new
    return made, answers


def committee_root(member: Member) -> str:
    return registry.caller_for(member).path[0]


def _members(numbers: list[str]) -> list[Member]:
    return [m for m in Member.batch_get(numbers) if m.active]


def main() -> int:
    made, answers = seed()
    print(f"示范问卷：新建 {made} 份，新提交 {answers} 份回答（已有的不变）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
