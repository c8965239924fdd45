"""The bank and quiz validator (file, line and field in every problem), the build's check, the
spreadsheet importer (row and column in every problem, nothing written on error)."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from plugins.quiz_check import check as build_check
from tools import import_quiz_bank, quiz_content
from tools.site_content import ContentError

ROOT = Path(__file__).resolve().parents[2]
GOOD_QUIZ = "quiz: d\nkind: daily\ntitle: 每日\nbanks: [b]\ncount: 1\n"


def problems_of(tmp_path: Path, files: dict[str, str]) -> str:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        quiz_content.load(tmp_path)
    return str(caught.value)


def test_the_demo_banks_and_quizzes_are_valid():
    content = quiz_content.load()
    assert len(content.banks["dangyuan-jichu"].questions) >= 30
    kinds = {q.kind for q in content.quizzes.values()}
    assert kinds == {"daily", "challenge", "exam", "survey"}
    types = {q["type"] for q in content.banks["dangyuan-jichu"].questions}
    assert types == {"single", "multiple", "truefalse", "fill"}


BAD_BANK = """\
bank: b
title: 题库
questions:
  - id: q1
    type: single
    stem: 题一
    options: [甲, 乙]
    answer: C
  - id: q2
    type: multiple
    stem: 题二
    options: [甲, 乙, 丙]
    answer: A
  - id: q3
    type: truefalse
    stem: 题三
    answer: 也许
  - id: q1
    type: fill
    stem: 题四
    answer: ""
  - id: q5
    type: essay
    stem: 题五
  - id: q6
    type: single
    stem: ""
    options: [甲, ""]
    answer: A
    difficulty: 9
"""


@pytest.mark.parametrize(
    "expected",
    [
        "b.yaml:8: questions[0].answer: 答案须为选项字母（A–B）",
        "b.yaml:13: questions[1].answer: 多选题须有至少两个正确选项",
        "b.yaml:17: questions[2].answer: 判断题答案须为 对 或 错",
        "b.yaml:21: questions[3].answer: 缺少答案",
        "b.yaml:23: questions[4].type: 题型须为",
        "b.yaml:27: questions[5].stem: 题干不能为空",
        "b.yaml:28: questions[5].options[1]: 选项 B 不能为空",
        "b.yaml:30: questions[5].difficulty: 难度须为",
    ],
)
def test_bank_problems_name_file_line_and_field(tmp_path, expected):
    text = problems_of(tmp_path, {"b.yaml": BAD_BANK, "q.yaml": GOOD_QUIZ})
    assert expected in text


def test_yaml_syntax_errors_and_quiz_problems_name_the_line(tmp_path):
    text = problems_of(
        tmp_path,
        {
            "broken.yaml": "bank: x\nquestions: [a\n",
            "q.yaml": (
                "quiz: e\nkind: exam\ntitle: 考试\nbanks: [nope]\nopens: 明天\n"
                "time_limit_minutes: 0\npass_mark: 101\nextra: 1\n"
            ),
            "r.yaml": "quiz: r\nkind: daily\ntitle: 每日\n\nbanks: [nope]\n",
        },
    )
    assert "broken.yaml:3: YAML 格式错误" in text
    assert "r.yaml:5: banks: 题库 nope 不存在" in text
    assert "q.yaml:5: opens: 时间格式须为" in text
    assert "q.yaml:6: time_limit_minutes: 须为 1–600 的整数" in text
    assert "q.yaml:7: pass_mark: 须为 0–100 的整数" in text
    assert "q.yaml:8: extra: 不认识的字段" in text
    assert "closes: 专题考试须设置" in text


def test_a_survey_bank_has_no_answers_and_a_quiz_needs_enough_questions(tmp_path):
    text = problems_of(
        tmp_path,
        {
            "s.yaml": (
                "bank: s\ntitle: 问卷\nkind: survey\nquestions:\n  - id: a\n    type: single\n"
                "    stem: 问\n    options: [好, 差]\n    answer: A\n"
            ),
            "b.yaml": (
                "bank: b\ntitle: 题库\nquestions:\n  - id: a\n    type: truefalse\n"
                "    stem: 问\n    answer: 对\n"
            ),
            "q.yaml": "quiz: d\nkind: daily\ntitle: 每日\nbanks: [b]\ncount: 5\n",
            "x.yaml": "quiz: x\nkind: survey\ntitle: 体检\nbanks: [b]\n",
        },
    )
    assert "s.yaml:9: questions[0].answer: 党性体检（问卷）题不评分，不能有答案" in text
    assert "q.yaml:5: count: 题库中符合条件的题目只有 1 道，少于 count 5" in text
    assert "x.yaml:4: banks: 党性体检须使用 survey（问卷）题库：b" in text


def test_an_exam_may_not_share_a_bank_with_practice(tmp_path):
    """A challenge reveals the right answer after each try: sharing its bank gives the exam away."""
    text = problems_of(
        tmp_path,
        {
            "b.yaml": (
                "bank: b\ntitle: 题库\nquestions:\n  - id: a\n    type: truefalse\n"
                "    stem: 问\n    answer: 对\n"
            ),
            "c.yaml": "quiz: c\nkind: challenge\ntitle: 挑战\nbanks: [b]\n",
            "e.yaml": (
                "quiz: e\nkind: exam\ntitle: 考试\nbanks: [b]\ncount: 1\n"
                "opens: 2026-01-01 00:00\ncloses: 2026-12-31 00:00\ntime_limit_minutes: 10\n"
            ),
        },
    )
    assert "e.yaml:4: banks: 专题考试不能使用每日答题或挑战答题也在用的题库 b" in text


def test_the_build_check_fails_with_the_problems_and_checks_scope(tmp_path):
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    (quizzes / "b.yaml").write_text(
        "bank: b\ntitle: 题库\nquestions:\n  - id: a\n    type: truefalse\n    stem: 问\n"
        "    answer: 对\n",
        encoding="utf-8",
    )
    (quizzes / "q.yaml").write_text(GOOD_QUIZ + "scope: [B0101, ZZZ]\n", encoding="utf-8")
    settings = {"PATH": str(tmp_path), "UNITS_FILE": str(ROOT / "content" / "units.csv")}
    with pytest.raises(ContentError, match=r"q\.yaml:6: scope: 单位 ZZZ 不在单位文件中"):
        build_check(settings)


def test_the_same_questions_give_the_same_version(tmp_path):
    one = quiz_content.load()
    two = quiz_content.load()
    assert one.banks["dangyuan-jichu"].version == two.banks["dangyuan-jichu"].version
    assert all(r.startswith("dangyuan-jichu@") for r in one.quizzes["daily"].pool)


HEADERS = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "标签", "难度"]
GOOD_ROWS = [
    ["单选", "党的根本组织原则是?", "集体领导", "民主集中制", "", "", "B", "见党章", "党章", "易"],
    [
        "多选",
        "三大作风包括?",
        "理论联系实际",
        "密切联系群众",
        "批评与自我批评",
        "艰苦奋斗",
        "ABC",
        "",
        "党史、作风",
        "2",
    ],
    ["判断", "预备期为一年。", "", "", "", "", "对", "", "", ""],
    ["填空", "全国代表大会每( )年举行一次;每( )年?", "", "", "", "", "五|5;五", "", "", "中"],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([HEADERS, *rows])
    return path


def test_import_csv_writes_a_valid_bank(tmp_path):
    src = write_csv(tmp_path / "题库.csv", GOOD_ROWS)
    out = tmp_path / "quizzes" / "jichu.yaml"
    assert import_quiz_bank.main([str(src), "--out", str(out), "--title", "基础"]) == 0
    (tmp_path / "quizzes" / "q.yaml").write_text(
        "quiz: d\nkind: daily\ntitle: 每日\nbanks: [jichu]\ncount: 4\n", encoding="utf-8"
    )
    bank = quiz_content.load(tmp_path / "quizzes").banks["jichu"]
    assert [q["type"] for q in bank.questions] == ["single", "multiple", "truefalse", "fill"]
    assert bank.questions[0]["answer"] == [1] and bank.questions[0]["difficulty"] == 1
    assert bank.questions[1]["tags"] == ["党史", "作风"]
    assert bank.questions[3]["answer"] == [["五", "5"], ["五"]]


def test_import_xlsx(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [HEADERS, *GOOD_ROWS]:
        sheet.append(row)
    src = tmp_path / "bank.xlsx"
    book.save(src)
    text, problems = import_quiz_bank.convert(src, "jichu", "基础")
    assert problems == [] and text and "民主集中制" in text


def test_import_reports_every_bad_row_and_writes_nothing(tmp_path, capsys):
    rows = [
        GOOD_ROWS[0],
        ["单选", "题", "甲", "乙", "", "", "E", "", "", ""],
        ["问答", "题", "", "", "", "", "x", "", "", ""],
        ["多选", "", "甲", "乙", "丙", "", "AB", "", "", "9"],
    ]
    src = write_csv(tmp_path / "bad.csv", rows)
    out = tmp_path / "out.yaml"
    assert import_quiz_bank.main([str(src), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "第 3 行 答案: 答案须为选项字母（A–B）" in err
    assert "第 4 行 题型: 题型须为" in err
    assert "第 5 行 题干: 题干不能为空" in err
    assert "第 5 行 难度: 难度须为" in err
    assert not out.exists()


def test_import_refuses_unknown_columns(tmp_path, capsys):
    src = tmp_path / "x.csv"
    src.write_text("题型,题干,答案,备注\n单选,a,A,b\n", encoding="utf-8")
    assert import_quiz_bank.main([str(src), "--out", str(tmp_path / "o.yaml")]) == 1
    assert "无法识别的列 备注" in capsys.readouterr().err
