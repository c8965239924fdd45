"""党费核定's computation, table-driven over the 2008 brackets of the shipped file: every
boundary (「含」 belongs to the lower band), retirees, the fixed categories, the amount the
branch sets, zero and missing bases; rounding half up to the fen in integer/Decimal arithmetic;
and the rules file's loader, every problem as file:line with its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from chalicelib import dues_rules
from chalicelib.dues_assessment import DuesInputError, compute
from chalicelib.dues_rules import DuesRulesError, fen_text, yuan_to_fen
from tools import dues_rules as tool

RULES = dues_rules.load()
SALARY = "在职党员：税后月工资收入"
RETIRED = "离退休党员：离退休费总额或养老金总额"
ANNUAL = "实行年薪制的党员：当月实际领取的薪酬收入"
SELF = "不按月取得收入的党员：上季度月平均纯收入"
S2 = f"{SALARY} 3000 元以上至 5000 元（含），按 1% 交纳"
MIN_WAGE = "领取当地最低工资（生活费）的党员：每月交纳 0.20 元"

# (category, base in yuan or None, fixed amount in yuan or None) → (amount, bracket, rate)
CASES = [
    ("on_salary", "0.01", None, None),  # 0.005 fen: refused (below a fen), see below
    ("on_salary", "100", None, ("0.50", f"{SALARY} 3000 元（含）以下，按 0.5% 交纳", "0.5%")),
    ("on_salary", "2999.99", None, ("15.00", f"{SALARY} 3000 元（含）以下，按 0.5% 交纳", "0.5%")),
    ("on_salary", "3000", None, ("15.00", f"{SALARY} 3000 元（含）以下，按 0.5% 交纳", "0.5%")),
    ("on_salary", "3000.00", None, ("15.00", f"{SALARY} 3000 元（含）以下，按 0.5% 交纳", "0.5%")),
    (
        "on_salary", "3000.01", None,
        ("30.00", f"{SALARY} 3000 元以上至 5000 元（含），按 1% 交纳", "1%"),
    ),
    ("on_salary", "4321.50", None, ("43.22", S2, "1%")),
    ("on_salary", "5000", None, ("50.00", S2, "1%")),
    (
        "on_salary", "5000.01", None,
        ("75.00", f"{SALARY} 5000 元以上至 10000 元（含），按 1.5% 交纳", "1.5%"),
    ),
    (
        "on_salary", "6666.66", None,
        ("100.00", f"{SALARY} 5000 元以上至 10000 元（含），按 1.5% 交纳", "1.5%"),
    ),
    (
        "on_salary", "10000", None,
        ("150.00", f"{SALARY} 5000 元以上至 10000 元（含），按 1.5% 交纳", "1.5%"),
    ),
    ("on_salary", "10000.01", None, ("200.00", f"{SALARY} 10000 元以上，按 2% 交纳", "2%")),
    ("on_salary", "25000", None, ("500.00", f"{SALARY} 10000 元以上，按 2% 交纳", "2%")),
    ("retired", "4000", None, ("20.00", f"{RETIRED} 5000 元（含）以下，按 0.5% 交纳", "0.5%")),
    ("retired", "5000", None, ("25.00", f"{RETIRED} 5000 元（含）以下，按 0.5% 交纳", "0.5%")),
    ("retired", "5000.01", None, ("50.00", f"{RETIRED} 5000 元以上，按 1% 交纳", "1%")),
    (
        "annual_salary", "3000.01", None,
        ("30.00", f"{ANNUAL} 3000 元以上至 5000 元（含），按 1% 交纳", "1%"),
    ),
    (
        "self_employed", "10000", None,
        ("150.00", f"{SELF} 5000 元以上至 10000 元（含），按 1.5% 交纳", "1.5%"),
    ),
    ("student", None, None, ("0.20", "学生党员：每月交纳 0.20 元", None)),
    ("unemployed", None, None, ("0.20", "下岗失业党员：每月交纳 0.20 元", None)),
    ("relief", None, None, ("0.20", "依靠抚恤或救济生活的党员：每月交纳 0.20 元", None)),
    ("minimum_wage", None, None, ("0.20", MIN_WAGE, None)),
    (
        "farmer", None, None,
        ("0.50", "农民党员：每月交纳 0.50 元（规定为 0.20 元至 1.00 元，由本组织确定）", None),
    ),
    ("other", None, "12.50", ("12.50", "其他党员：由党支部核定，每月交纳 12.50 元", None)),
    ("other", None, "0.20", ("0.20", "其他党员：由党支部核定，每月交纳 0.20 元", None)),
    ("other", None, "1000", ("1000.00", "其他党员：由党支部核定，每月交纳 1000.00 元", None)),
]  # fmt: skip


def _fen(text: str | None) -> int | None:
    return None if text is None else yuan_to_fen(text)


@pytest.mark.parametrize(("category", "base", "fixed", "expected"), CASES)
def test_amount_bracket_and_rate(category, base, fixed, expected):
    if expected is None:
        with pytest.raises(DuesInputError, match="不足 1 分"):
            compute(category, _fen(base), RULES, _fen(fixed))
        return
    amount, bracket, rate = compute(category, _fen(base), RULES, _fen(fixed))
    assert (fen_text(amount), bracket, rate) == expected


@pytest.mark.parametrize(
    ("category", "base", "fixed", "message"),
    [
        ("on_salary", "0", None, "须有大于 0 的税后月工资收入"),
        ("on_salary", None, None, "须有大于 0 的税后月工资收入"),
        ("retired", "0", None, "须有大于 0 的离退休费总额或养老金总额"),
        ("on_salary", "3000", "30", "不填固定金额"),
        ("student", "3000", None, "按固定金额交纳，不填基数"),
        ("student", None, "1", "每月交纳 0.20 元，不另填金额"),
        ("other", None, None, "须填写党支部核定的固定金额"),
        ("other", None, "0.19", "0.20 元至 1000.00 元之间"),
        ("other", None, "1000.01", "0.20 元至 1000.00 元之间"),
        ("nobody", "3000", None, "未知的党费类别"),
    ],
)
def test_inputs_that_cannot_be_assessed(category, base, fixed, message):
    with pytest.raises(DuesInputError, match=message):
        compute(category, _fen(base), RULES, _fen(fixed))


def test_half_up_to_the_fen_exactly_where_a_float_would_slip():
    # Half a fen goes up: 1% of 3000.50 = 30.005 → 30.01. Where a float slips: 1% of 3217.50
    # is 32.175 exactly, but 3217.5 * 0.01 * 100 is 3217.4999… and rounds to 32.17; 1.5% of
    # 3179.00 is 47.685 → 47.69 (a float says 47.68).
    assert compute("on_salary", yuan_to_fen("3000.50"), RULES)[0] == 3001
    assert compute("on_salary", yuan_to_fen("3217.50"), RULES)[0] == 3218
    assert compute("on_salary", yuan_to_fen("3179.00") * 2, RULES)[0] == 9537  # 6358 × 1.5%
    assert compute("on_salary", yuan_to_fen("6050.30"), RULES)[0] == 9075  # 90.7545 → 90.75
    assert compute("on_salary", yuan_to_fen("5100.30"), RULES)[0] == 7650  # 76.5045 → 76.50
    assert compute("on_salary", yuan_to_fen("3333.50"), RULES)[0] == 3334  # 33.335 → 33.34
    assert compute("retired", yuan_to_fen("4100.10"), RULES)[0] == 2050  # 20.5005 → 20.50
    assert compute("retired", yuan_to_fen("4100.90"), RULES)[0] == 2050  # 20.5045 → 20.50
    assert compute("retired", yuan_to_fen("4101"), RULES)[0] == 2051  # 20.505 → 20.51
    # Every fen of a band agrees with exact rational arithmetic (no float anywhere).
    for base in range(300_001, 300_401):
        exact = base * 1  # 1% of base fen, in hundredths of a fen
        assert compute("on_salary", base, RULES)[0] == (exact + 50) // 100


def test_jiao_rounding_when_the_organisation_chooses_it(tmp_path):
    path = tmp_path / "r.toml"
    text = dues_rules.DEFAULT_FILE.read_text(encoding="utf-8")
    path.write_text(text.replace('rounding = "fen_half_up"', 'rounding = "jiao_half_up"'), "utf-8")
    rules = dues_rules.load(path)
    assert compute("on_salary", yuan_to_fen("4321.50"), rules)[0] == 4320  # 43.215 → 43.20
    assert compute("on_salary", yuan_to_fen("4350"), rules)[0] == 4350
    assert compute("on_salary", yuan_to_fen("4355"), rules)[0] == 4360  # 43.55 → 43.60
    assert rules.digest != RULES.digest


def test_the_digest_is_of_the_rules_not_of_the_comments(tmp_path):
    text = dues_rules.DEFAULT_FILE.read_text(encoding="utf-8")
    path = tmp_path / "r.toml"
    path.write_text("# 本组织 2027 年修订\n" + text.replace("\n\n", "\n\n\n"), encoding="utf-8")
    assert dues_rules.load(path).digest == RULES.digest
    path.write_text(text.replace('amount = "0.50"', 'amount = "0.80"'), encoding="utf-8")
    assert dues_rules.load(path).digest != RULES.digest


def test_the_file_names_its_regulation_year_and_rounding():
    assert RULES.regulation == "关于中国共产党党费收缴、使用和管理的规定"
    assert RULES.issued == 2008 and RULES.rounding_label == "按分四舍五入"
    assert RULES.find("在职").key == "on_salary" and RULES.find("离退休党员").key == "retired"
    assert RULES.find("retired").key == "retired" and RULES.find("退役") is None


def test_money_text():
    assert [yuan_to_fen(t) for t in ("0", "0.2", "0.20", "3000", "3000.01")] == [
        0, 20, 20, 300000, 300001,
    ]  # fmt: skip
    for bad in ("-1", "1.234", "1e3", "", "３０００", "1,000", " 1"):
        with pytest.raises(ValueError):
            yuan_to_fen(bad)
    assert (fen_text(1250), fen_text(5), fen_text(0)) == ("12.50", "0.05", "0.00")


# --- the loader ------------------------------------------------------------------------------


def _broken(tmp_path: Path, old: str, new: str) -> str:
    path = tmp_path / "dues_rules.toml"
    text = dues_rules.DEFAULT_FILE.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(DuesRulesError) as err:
        dues_rules.load(path)
    return str(err.value)


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ('{ up_to = "5000", rate = "1%" },', '{ up_to = "2000", rate = "1%" },',
         '{ up_to = "2000"', "类别「on_salary」字段 brackets：第 2 档的 up_to 须高于上一档"),
        ('{ up_to = "3000", rate = "0.5%" },', '{ up_to = 3000.0, rate = "0.5%" },',
         "up_to = 3000.0", "第 1 档的 up_to 须为带引号的金额文本"),
        ('{ up_to = "3000", rate = "0.5%" },', '{ up_to = "3000", rate = "0.5" },',
         'rate = "0.5" }', "第 1 档的 rate 须为百分比文本"),
        ('{ rate = "2%" },', '{ up_to = "20000", rate = "2%" },',
         'up_to = "20000"', "第 4 档是最后一档，不写 up_to"),
        ('{ up_to = "10000", rate = "1.5%" },', '{ up_to = "10000", rate = "0.8%" },',
         'rate = "0.8%"', "不低于上一档"),
        ('amount = "0.50"', 'amount = "1.50"', 'amount = "1.50"',
         "类别「farmer」字段 amount：须在 0.20 元至 1.00 元之间（含）"),
        ('amount = "0.50"', "amount = 0.5", "amount = 0.5", "不要写成小数"),
        ('kind = "set"', 'kind = "fixed"', None, "类别「other」字段 amount：fixed 类别须写此字段"),
        ('key = "retired"', 'key = "on_salary"', None,
         "类别「on_salary」字段 key：与前面的类别重复"),
        ('aliases = ["学生"]', 'aliases = ["在职"]', 'aliases = ["在职"]', "已是类别「on_salary」"),
        ('base_label = "离退', 'base_lable = "离退', "base_lable",
         "字段 base_lable：不认识的字段"),
        ('brackets_of = "on_salary"', 'brackets_of = "student"', 'brackets_of = "student"',
         "类别「annual_salary」字段 brackets_of：须为前面已写的按比例交纳（brackets）类别的 key"),
        ('brackets_of = "on_salary"', 'brackets_of = "retired"', 'brackets_of = "retired"',
         "须为前面已写的"),  # written further down: not yet known
        ('brackets_of = "on_salary"', 'brackets_of = "on_salary"\nbrackets = []',
         "brackets = []", "brackets 与 brackets_of 须写且只写一个"),
        ('rounding = "fen_half_up"', 'rounding = "round"', "rounding =", "rounding：须为"),
        ("issued = 2008", 'issued = "二〇〇八"', "issued =", "issued：须写明规定印发的年份"),
        ('regulation = "关于中国共产党党费收缴、使用和管理的规定"', 'regulation = ""',
         "regulation =", "regulation：须写明"),
    ],
)  # fmt: skip
def test_each_problem_at_its_file_line_and_field(tmp_path, old, new, where, message):
    problems = _broken(tmp_path, old, new)
    text = (tmp_path / "dues_rules.toml").read_text(encoding="utf-8")
    path = tmp_path / "dues_rules.toml"
    if where is None:  # the line of the entry's head (a missing field) or its second key
        lines = [n for n, line in enumerate(text.splitlines(), 1) if line == "[[category]]"]
        assert any(f"{path}:{n}: " in problems for n in lines) or f"{path}:" in problems
    else:
        assert f"{path}:{_line(text, where)}: " in problems, problems
    assert message in problems, problems


def test_not_toml_and_inline_tables(tmp_path):
    problems = _broken(tmp_path, '[[category]]\nkey = "student"', "[[category]\nkey = 1")
    assert "TOML 格式错误" in problems
    problems = _broken(tmp_path, 'rounding = "fen_half_up"', 'rounding = "fen_half_up"\nextra = 1')
    line = _line((tmp_path / "dues_rules.toml").read_text(encoding="utf-8"), "extra = 1")
    assert f"{tmp_path / 'dues_rules.toml'}:{line}: 不认识的「extra」" in problems


def test_make_dues_rules_checks_and_describes(tmp_path, capsys):
    assert tool.main([]) == 0
    out = capsys.readouterr().out
    assert "在职党员：税后月工资收入 3000 元以上至 5000 元（含），按 1% 交纳" in out
    assert "2008" in out and "按分四舍五入" in out and "检查通过" in out
    bad = tmp_path / "bad.toml"
    bad.write_text(
        dues_rules.DEFAULT_FILE.read_text(encoding="utf-8").replace('"5000", rate', '"2000", rate'),
        encoding="utf-8",
    )
    assert tool.main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "整个文件不生效" in err
