"""志愿服务's plain rules: hours in half-hour steps (never a float in the ledger), the text rules
(emoji refused, rare characters of names allowed), the check-in window, the points rule."""

from __future__ import annotations

import pytest

from chalicelib import volunteering
from chalicelib.errors import BadRequestError
from chalicelib.points_rules import ACTIVITY_LABELS, RULES


@pytest.mark.parametrize(("given", "half"), [(0, 0), (0.5, 1), (2, 4), (2.5, 5), (24, 48)])
def test_hours_are_half_hour_steps(given, half):
    assert volunteering.clean_hours(given) == half
    assert volunteering.hours(half) == given


@pytest.mark.parametrize(
    "given", [-0.5, 24.5, 2.3, 10**400, float("nan"), float("inf"), True, "2", None, [2]]
)
def test_bad_hours_are_refused_in_chinese(given):
    with pytest.raises(BadRequestError, match="工时须为"):
        volunteering.clean_hours(given)


@pytest.mark.parametrize("text", ["😀", "义诊🎉", "⭐服务", "爱心❤️", "1️⃣号"])
def test_emoji_are_refused(text):
    with pytest.raises(BadRequestError, match="表情"):
        volunteering._text(text, "活动主题", (1, 40))


@pytest.mark.parametrize("text", ["𠀀家村志愿服务", "气温 30℃ 户外服务", "（第 2 期）义务植树"])
def test_rare_characters_and_common_symbols_are_allowed(text):
    assert volunteering._text(text, "活动主题", (1, 40)) == text


INVISIBLE = [
    "社区\u202e务服诊义",  # a right-to-left override: shows as 社区义诊服务
    "服务中心\u200b\u2066",  # a zero-width space and a bidi isolate
    "\u2067义诊\u2069服务",
    "\ufeff义诊服务",
    "义诊\u2060服务",
    "义\u00ad诊服务",  # a soft hyphen
    "义诊服务\U000e0041",  # a tag character
    "\u3164\u3164",  # Hangul fillers: letters that draw nothing
    "义诊\uffa0服务",
]


@pytest.mark.parametrize("text", INVISIBLE)
@pytest.mark.parametrize("lines", [False, True])
def test_invisible_characters_are_refused_in_every_text(text, lines):
    with pytest.raises(BadRequestError, match="不可见字符"):
        volunteering._text(text, "活动主题", (0, 40), lines=lines)


def test_a_text_must_say_something():
    with pytest.raises(BadRequestError, match="文字或数字"):
        volunteering._text("……！", "活动主题", (1, 40))
    with pytest.raises(BadRequestError, match="换行"):
        volunteering._text("一\n二", "活动地点", (1, 40))
    assert volunteering._text("一\n二", "活动内容", (0, 40), lines=True) == "一\n二"


def test_the_points_rule():
    rule = RULES["volunteer_service"]
    assert (rule.label, rule.activity, rule.daily_cap, rule.unique) == (
        "志愿服务",
        "volunteer",
        None,
        "object",
    )
    assert rule.per_award_max == volunteering.MAX_HALF  # 24 hours at 2 points an hour
    assert ACTIVITY_LABELS["volunteer"] == "志愿服务"
