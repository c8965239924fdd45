"""通讯录's visibility rules (directory.toml → directory_rules.visible_fields), table-driven over
the relation between viewer and colleague, and the file's checks (file:line, nothing loads)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib import directory_rules
from chalicelib.directory_rules import FieldRule
from chalicelib.scope import Caller

# The tree: committee C1 → general branches G1 (branches B1, B2), G2 (B3); B4 directly under C1.
PATHS = {
    "B1": (("C1", "G1", "B1"), ("committee", "general_branch", "branch")),
    "B2": (("C1", "G1", "B2"), ("committee", "general_branch", "branch")),
    "B3": (("C1", "G2", "B3"), ("committee", "general_branch", "branch")),
    "B4": (("C1", "B4"), ("committee", "branch")),
    "X1": (("X0", "X1"), ("committee", "branch")),  # another organisation
}


def viewer(branch: str, *roles: str, no: str = "v1") -> Caller:
    path, kinds = PATHS[branch]
    return Caller(no, path, kinds, roles)


def seen(v: Caller, branch: str, table, no: str = "t1") -> set[str]:
    path, kinds = PATHS[branch]
    return set(directory_rules.visible_fields(v, no, path, kinds, table))


def table(**levels: str | tuple[str, bool]) -> dict[str, FieldRule]:
    out = {}
    for key, spec in levels.items():
        level, staff = spec if isinstance(spec, tuple) else (spec, False)
        out[key] = FieldRule(key, directory_rules.LEVELS[level], staff)
    return out


# (name level, phone level, viewer's branch, viewer's roles, colleague's branch, fields seen)
CASES = [
    # the default: phone within the branch
    ("全组织", "本支部", "B1", (), "B1", {"name", "phone"}),
    ("全组织", "本支部", "B1", (), "B2", {"name"}),
    ("全组织", "本支部", "B1", (), "B4", {"name"}),
    ("全组织", "本支部", "B1", (), "X1", set()),  # another organisation: not found at all
    # 本党总支: the same general branch; a branch with none above counts as itself
    ("全组织", "本党总支", "B1", (), "B2", {"name", "phone"}),
    ("全组织", "本党总支", "B1", (), "B3", {"name"}),
    ("全组织", "本党总支", "B4", (), "B4", {"name", "phone"}),
    ("全组织", "本党总支", "B1", (), "B4", {"name"}),
    ("全组织", "本党总支", "B4", (), "B1", {"name"}),
    # 本党委 and 全组织
    ("全组织", "本党委", "B1", (), "B3", {"name", "phone"}),
    ("全组织", "全组织", "B4", (), "B3", {"name", "phone"}),
    ("全组织", "全组织", "B1", (), "X1", set()),
    # 不显示
    ("全组织", "不显示", "B1", (), "B1", {"name"}),
    # the name's level decides who is found at all
    ("本支部", "全组织", "B1", (), "B2", set()),
    ("本党总支", "全组织", "B1", (), "B2", {"name", "phone"}),
    ("本党总支", "全组织", "B1", (), "B3", set()),
]


@pytest.mark.parametrize(("name", "phone", "vb", "roles", "tb", "expected"), CASES)
def test_members_see_by_level(name, phone, vb, roles, tb, expected) -> None:
    assert seen(viewer(vb, *roles), tb, table(name=name, phone=phone)) == expected


# Staff: `staff = true` opens the field over the subtree her role reaches, nothing beside it.
STAFF_CASES = [
    # (viewer branch, role, colleague branch, staff flag on phone, phone seen)
    ("B1", "general_branch_committee", "B2", True, True),
    ("B1", "general_branch_committee", "B2", False, False),
    ("B1", "general_branch_committee", "B3", True, False),  # beside her general branch
    ("B1", "branch_committee", "B2", True, False),  # a branch role reaches her branch only
    ("B1", "party_committee", "B3", True, True),
    ("B4", "party_committee", "B1", True, True),
    ("B1", "admin", "B3", True, True),
    ("B1", "admin", "X1", True, False),  # another organisation's root
]


@pytest.mark.parametrize(("vb", "role", "tb", "flag", "phone"), STAFF_CASES)
def test_staff_see_over_their_subtree(vb, role, tb, flag, phone) -> None:
    rules = table(name="全组织", phone=("本支部", flag))
    got = seen(viewer(vb, role), tb, rules)
    assert ("phone" in got) is phone
    assert ("name" in got) is (tb != "X1")


def test_she_sees_herself_whole_but_not_what_is_hidden() -> None:
    rules = table(name="本支部", phone="本支部", joined_on="不显示")
    me = viewer("B1", no="t1")
    assert seen(me, "B1", rules, no="t1") == {"name", "phone"}


def test_a_field_the_file_leaves_out_is_shown_to_nobody() -> None:
    rules = table(name="全组织")
    assert seen(viewer("B1", "admin"), "B1", rules) == {"name"}


def test_the_deployed_file_loads_with_phones_within_the_branch() -> None:
    rules = directory_rules.load()
    assert rules["phone"].level == "branch"
    assert rules["name"].level == "organisation"
    assert rules["joined_on"].level is None


NAME = '[[field]]\nkey = "name"\nmembers = "全组织"\n'
BAD = [
    ('[[field]]\nkey = "name"\nmembers = "不显示"\n', 3, "不能是“不显示”"),
    (NAME + '[[field]]\nkey = "phone"\nmembers = "本单位"\n', 6, "members"),
    (NAME + '[[field]]\nkey = "mail"\nmembers = "本支部"\n', 5, "key"),
    ('[[field]]\nkey = "name"\nmembers = "全组织"\nstaff = "yes"\n', 4, "staff"),
    (NAME + '[[field]]\nkey = "phone"\nmembers = "不显示"\nstaff = true\n', 7, "staff"),
    (NAME + '[[field]]\nkey = "name"\nmembers = "本支部"\n', 5, "重复"),
    ('[[field]]\nkey = "phone"\nmembers = "本支部"\n', 1, "缺少姓名"),
    ('[[field]]\nkey = "name"\nmembers = "全组织"\ncolour = 1\n', 4, "不认识"),
    ('[[field]\nkey = "name"\n', 1, "TOML"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "words"), BAD)
def test_a_bad_file_names_file_line_and_field(tmp_path: Path, text, line, words) -> None:
    path = tmp_path / "directory.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(directory_rules.DirectoryFileError) as err:
        directory_rules.load(path)
    assert f"{path}:{line}:" in str(err.value)
    assert words in str(err.value)
