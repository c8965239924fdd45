"""微党课 assignments' input rules, in process (no database): the due day (a real day, today or
later in Beijing, within a year) and the note (optional, ≤ 200 characters, the project's one
character check), each refusal a Chinese message; the subtree's branches from the org units a
reminder run read whole."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.errors import BadRequestError
from chalicelib.lesson_assignments import _branches_below, clean_due, clean_note
from chalicelib.models import OrgUnit

TODAY = date(2027, 3, 1)


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("2027-03-01", None),
        ("2028-03-01", None),  # 366 days: 2028 is a leap year
        ("2028-03-02", "截止日期最多安排在一年以内"),
        ("2027-02-28", "截止日期已过，请选择今天或以后的日期"),
        ("2027-02-30", "截止日期（due_on）不是有效的日期：2027-02-30"),
        ("2027-3-1", "截止日期（due_on）须写成 2026-12-31 的形式"),
        ("2027-03-01T00:00", "截止日期（due_on）须写成 2026-12-31 的形式"),
        ("", "截止日期（due_on）须写成 2026-12-31 的形式"),
        (None, "截止日期（due_on）须写成 2026-12-31 的形式"),
        (20270301, "截止日期（due_on）须写成 2026-12-31 的形式"),
    ],
)
def test_due_day(value, said) -> None:
    if said is None:
        assert clean_due(value, TODAY) == date.fromisoformat(value)
        return
    with pytest.raises(BadRequestError) as caught:
        clean_due(value, TODAY)
    assert caught.value.args[0] == said


@pytest.mark.parametrize(
    ("value", "out", "said"),
    [
        (None, None, None),
        ("   ", None, None),
        (
            "  请结合岗位实际谈体会。\r\n下周五前交心得。 ",
            "请结合岗位实际谈体会。\n下周五前交心得。",
            None,
        ),
        ("长" * 200, "长" * 200, None),
        ("长" * 201, None, "说明最多 200 字（现在 201 字）"),
        ("学习😀", None, "说明不能包含表情符号"),
        ("学习\u200b", None, "说明不能包含控制字符或不可见字符"),
        (["x"], None, "说明（note）须为文字"),
    ],
)
def test_note(value, out, said) -> None:
    if said is None:
        assert clean_note(value) == out
        return
    with pytest.raises(BadRequestError) as caught:
        clean_note(value)
    assert caught.value.args[0] == said


def test_branches_below_from_the_units_read_whole() -> None:
    def unit(uid: str, kind: str, parent: str | None) -> OrgUnit:
        return OrgUnit(uid, name=uid, kind=kind, parent_id=parent, path=[uid], path_kinds=[kind])

    units = {
        u.unit_id: u
        for u in (
            unit("C1", "committee", None),
            unit("G1", "general_branch", "C1"),
            unit("B1", "branch", "G1"),
            unit("B2", "branch", "G1"),
            unit("B3", "branch", "C1"),
            unit("C2", "committee", None),
            unit("B9", "branch", "C2"),
        )
    }
    assert _branches_below(units, "C1") == ["B1", "B2", "B3"]
    assert _branches_below(units, "G1") == ["B1", "B2"]
    assert _branches_below(units, "B3") == ["B3"]
    assert _branches_below(units, "NOPE") == []
