"""The points rules, in one declarative table (defaults after 学习强国's published rules, adapted).

Each rule says how many points one award gives, how many points a member can earn from it per day
(the day is Asia/Shanghai's), and what makes an award unique:

- ``"object"``: once per object, ever (an article is credited once, whichever day it is read);
- ``"object_day"``: once per object per day (the daily login: object ``"login"``);
- ``"object"`` with an object that names the period (the political birthday: object ``"2026"``).

``daily_cap`` is in points: ``article_read`` at 1 point with a cap of 6 means six articles a day.
When an award would cross the cap it is clamped to what is left (a quiz with 3 correct answers when
4 of 5 points are earned gives 1), so parallel requests together give exactly the cap.
``per_award_max`` bounds what a caller may pass as ``amount`` (quizzes and exams compute it).
Changing a value here changes the product; the 我的党建 page shows these labels and caps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unique = Literal["object", "object_day"]


@dataclass(frozen=True)
class Rule:
    key: str
    label: str  # shown to members
    activity: str  # the mix group on 我的党建: reading, media, quiz, comment, vote, meeting, other
    points: int  # one award's default amount (negative: a deduction, points.deduct)
    daily_cap: int | None  # points per member per day; None: no daily cap
    unique: Unique
    per_award_max: int  # the largest amount one award may carry


RULES: dict[str, Rule] = {
    r.key: r
    for r in (
        Rule("daily_login", "每日登录", "other", 1, 1, "object_day", 1),
        Rule("article_read", "阅读文章", "reading", 1, 6, "object", 1),
        Rule("constitution_read", "党章百日学", "reading", 2, 2, "object", 2),
        # 微党课 (lesson_rules.py), after 学习强国's 视听学习: a lesson watched (object = its slug),
        # and each whole minute of watching time in a day (object = "<YYYY-MM-DD>#<n>").
        Rule("lesson_watched", "视听学习", "media", 1, 6, "object", 1),
        Rule("watch_time", "视听学习时长", "media", 1, 6, "object", 1),
        Rule("comment", "发表评论", "comment", 1, 2, "object", 1),
        Rule("vote", "参与投票", "vote", 1, 1, "object", 1),
        Rule("daily_quiz", "每日答题", "quiz", 1, 5, "object_day", 5),
        Rule("challenge_quiz", "挑战答题", "quiz", 1, 6, "object", 6),
        Rule("exam", "在线考试", "quiz", 10, None, "object", 10),
        Rule("political_birthday", "政治生日", "other", 5, None, "object", 5),
        # Organisation life, settled when the organiser locks the record (meeting_records.py):
        # object = the meeting id. A negative `points` makes the rule a deduction, written by
        # points.deduct (never by award); set it to 0 to turn deductions off.
        Rule("meeting_attendance", "参加组织生活", "meeting", 2, None, "object", 2),
        Rule("meeting_absence", "无故缺席组织生活", "meeting", -2, None, "object", 0),
        # 奉献分 for volunteering (volunteering.py): object = the activity id; the amount is the
        # confirmed hours × 2 (1 point per half hour; hours go in half-hour steps, at most 24 an
        # activity, so always an integer, at most 48). Corrections after confirming: adjust().
        Rule("volunteer_service", "志愿服务", "volunteer", 2, None, "object", 48),
    )
}

ACTIVITY_LABELS: dict[str, str] = {
    "reading": "阅读学习",
    "media": "视听学习",
    "quiz": "答题考试",
    "comment": "学习点评",
    "vote": "投票",
    "meeting": "组织生活",
    "volunteer": "志愿服务",
    "other": "登录与纪念日",
}


def describe(rule: Rule) -> dict[str, object]:
    """A rule as members and programs read it (the rules page, 我的党建): one serialised form."""
    return {
        "key": rule.key,
        "label": rule.label,
        "points": rule.points,
        "daily_cap": rule.daily_cap,
        "activity": rule.activity,
    }


def exam_points(score: int) -> int:
    """An exam's award: score / 10, at most 10 (a score of 95 gives 9)."""
    return max(0, min(RULES["exam"].per_award_max, score // 10))
