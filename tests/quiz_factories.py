"""A small bank with every question type and one quiz of each kind, published to DynamoDB Local."""

from __future__ import annotations

from pathlib import Path

from tools.publish_quizzes import publish

BANK = """\
bank: testbank
title: 测试题库
questions:
  - id: s1
    type: single
    stem: 单选题一
    options: [甲, 乙, 丙, 丁]
    answer: B
    explanation: 解析单选一
    tags: [党章]
  - id: s2
    type: single
    stem: 单选题二
    options: [子, 丑, 寅]
    answer: C
    explanation: 解析单选二
    tags: [党章]
  - id: m1
    type: multiple
    stem: 多选题一
    options: [春, 夏, 秋, 冬]
    answer: ABD
    explanation: 解析多选一
    tags: [党纪党规]
  - id: t1
    type: truefalse
    stem: 判断题一
    answer: 对
    explanation: 解析判断一
    tags: [党纪党规]
  - id: t2
    type: truefalse
    stem: 判断题二
    answer: 错
    explanation: 解析判断二
  - id: f1
    type: fill
    stem: 填空题一（　）
    answer: 一年|1年|12个月
    explanation: 解析填空一
  - id: f2
    type: fill
    stem: 填空题二（　）和（　）
    answer: [东, 西]
    explanation: 解析填空二
"""
# Exams draw from a bank of their own (the build refuses one shared with practice quizzes).
EXAM_BANK = BANK.replace("bank: testbank\ntitle: 测试题库", "bank: testexam\ntitle: 测试考试题库")
SURVEY = """\
bank: testsurvey
title: 测试问卷
kind: survey
questions:
  - id: a1
    type: single
    stem: 问卷一
    options: [好, 中, 差]
  - id: a2
    type: multiple
    stem: 问卷二
    options: [读书, 党课, 志愿]
"""
QUIZZES = {
    "daily": "quiz: tdaily\nkind: daily\ntitle: 测试每日\nbanks: [testbank]\ncount: 5\n",
    "challenge": "quiz: tchallenge\nkind: challenge\ntitle: 测试挑战\nbanks: [testbank]\n",
    "exam": (
        "quiz: texam\nkind: exam\ntitle: 测试考试\nbanks: [testexam]\ncount: 7\n"
        "opens: 2020-01-01 00:00\ncloses: 2099-12-31 23:59\ntime_limit_minutes: 10\n"
        "attempts: 2\npass_mark: 60\nmultiple_scoring: partial\n"
    ),
    "scoped": (
        "quiz: tscoped\nkind: exam\ntitle: 限定单位考试\nbanks: [testexam]\ncount: 3\n"
        "opens: 2020-01-01 00:00\ncloses: 2099-12-31 23:59\ntime_limit_minutes: 10\n"
        "scope: [B3]\n"
    ),
    "survey": "quiz: tsurvey\nkind: survey\ntitle: 测试体检\nbanks: [testsurvey]\n",
}
EXPLANATIONS = [
    f"解析{n}" for n in ("单选一", "单选二", "多选一", "判断一", "判断二", "填空一", "填空二")
]


def write_content(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "testbank.yaml").write_text(BANK, encoding="utf-8")
    (folder / "testexam.yaml").write_text(EXAM_BANK, encoding="utf-8")
    (folder / "testsurvey.yaml").write_text(SURVEY, encoding="utf-8")
    for name, text in QUIZZES.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def publish_test_quizzes(folder: Path) -> dict[str, int]:
    return publish(write_content(folder), units_file=None)
