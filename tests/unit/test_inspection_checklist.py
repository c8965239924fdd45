"""The 季度检查 checklist file (inspection_checklist.toml): the shipped file loads (100 points,
items of a category together, grades from high to low), and every mistake is reported as
`file:line: field: message` at the line of the field at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib.inspection_checklist import DEFAULT_FILE, ChecklistError, load, points, tenths

GOOD = """[settings]
step = 0.5
show_rank = true
comment_max = 300
deduct_comment = true

[[grade]]
label = "优秀"
min = 90

[[grade]]
label = "不合格"
min = 0

[[item]]
key = "a"
category = "组织建设"
label = "重大事项一旬一沟通"
max = 10
looks_at = "记录"

[[item]]
key = "b"
category = "党员管理"
label = "一证一手册"
max = 5
looks_at = "手册"
"""


def test_the_shipped_checklist() -> None:
    c = load(DEFAULT_FILE)
    assert c.full_tenths == 1000  # 百分制
    assert c.step_tenths == 5
    cats = [i.category for i in c.items]
    assert cats == sorted(cats, key=cats.index)  # each category's items together
    assert [g.label for g in c.grades] == ["优秀", "良好", "合格", "不合格"]
    assert (c.grade(900), c.grade(899), c.grade(600), c.grade(0)) == (
        "优秀",
        "良好",
        "合格",
        "不合格",
    )
    assert all(i.looks_at for i in c.items)


def test_points_and_tenths() -> None:
    assert (tenths(1.5), tenths(2), tenths(0.25), tenths(True), tenths("1")) == (
        15,
        20,
        None,
        None,
        None,
    )
    assert (points(15), points(20)) == (1.5, 2)
    # Far beyond any score: refused, never an overflow (1e308 * 10 is inf).
    assert (tenths(1e308), tenths(-1e308), tenths(10**29)) == (None, None, None)


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("step = 0.5", "step = 0.25", 2, "settings.step"),
        ("show_rank = true", 'show_rank = "yes"', 3, "settings.show_rank"),
        ("comment_max = 300", "comment_max = 5", 4, "settings.comment_max"),
        ("deduct_comment = true", "deduct_comment = true\ncolour = 1", 6, "settings.colour"),
        ("min = 0", "min = 10", 13, "grade.min"),
        ('label = "不合格"\nmin = 0', 'label = "不合格"\nmin = 95', 13, "grade.min"),
        ('key = "b"', 'key = "a"', 23, "item.key"),
        ('key = "b"', 'key = "B b"', 23, "item.key"),
        ("max = 5", "max = 5.3", 26, "item.max"),
        ("max = 5", "max = 0", 26, "item.max"),
        ("max = 5", 'max = "5"', 26, "item.max"),
        ('looks_at = "手册"', 'looks_at = ""', 27, "item.looks_at"),
        ('looks_at = "手册"', 'looks_at = "手册"\nweight = 2', 28, "item.weight"),
        ('label = "一证一手册"', 'label = ""', 25, "item.label"),
        ('category = "党员管理"', 'category = ""', 24, "item.category"),
    ],
)
def test_each_mistake_names_file_line_and_field(tmp_path: Path, old, new, line, field) -> None:
    assert old in GOOD
    path = tmp_path / "inspection_checklist.toml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ChecklistError) as err:
        load(path)
    assert str(err.value).startswith(f"{path}:{line}: {field}:"), str(err.value)


def test_a_category_split_and_structural_mistakes(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    third = (
        '\n[[item]]\nkey = "c"\ncategory = "组织建设"\nlabel = "又一项"\nmax = 5\nlooks_at = "x"\n'
    )
    path.write_text(GOOD + third, encoding="utf-8")
    with pytest.raises(ChecklistError, match=rf"{path}:31: item.category: .*写在一起"):
        load(path)
    path.write_text(GOOD.replace("[[grade]]", "[grades]", 1), encoding="utf-8")
    with pytest.raises(ChecklistError, match=rf"{path}:\d+:"):
        load(path)
    path.write_text("[settings\n", encoding="utf-8")
    with pytest.raises(ChecklistError, match=rf"{path}:1: TOML"):
        load(path)
    path.write_text(GOOD.split("[[item]]")[0], encoding="utf-8")
    with pytest.raises(ChecklistError, match="至少须有一个"):
        load(path)
