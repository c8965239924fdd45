"""Import a question bank from a spreadsheet (XLSX or CSV, as party-affairs staff keep them):

    python -m tools.import_quiz_bank 题库.xlsx --out content/quizzes/jichu.yaml [--bank jichu]
        [--title 党的基本知识] [--survey]

Columns (first row; any order; only 题型, 题干 and 答案 are required):
题号, 题型 (单选/多选/判断/填空), 题干, 选项A … 选项H, 答案 (B / ACD / 对 / 错 / 填空: 可接受
答案用 | 分隔, 多个空用 ; 分隔), 解析, 标签 (、 or , between tags), 难度 (易/中/难 or 1/2/3).

Every row is checked with the build's validator; every bad row is reported with its row number
and column (`第 7 行 答案: …`), and if any row is bad nothing is written (exit code 1).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from tools import quiz_content
from tools.spreadsheet import TableError, read_table

TYPE_WORDS = {
    "单选": "single",
    "单选题": "single",
    "single": "single",
    "多选": "multiple",
    "多选题": "multiple",
    "multiple": "multiple",
    "判断": "truefalse",
    "判断题": "truefalse",
    "truefalse": "truefalse",
    "填空": "fill",
    "填空题": "fill",
    "fill": "fill",
}
OPTION_HEADERS = [f"选项{letter}" for letter in quiz_content.LETTERS]
HEADERS = ["题号", "题型", "题干", *OPTION_HEADERS, "答案", "解析", "标签", "难度"]
REQUIRED = ["题型", "题干"]
FIELD_HEADERS = {
    "id": "题号",
    "type": "题型",
    "stem": "题干",
    "options": "选项",
    "answer": "答案",
    "explanation": "解析",
    "tags": "标签",
    "difficulty": "难度",
    "": "",
}


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, cells by header) for every non-empty row."""
    return [(row.number, row.values) for row in read_table(path, HEADERS, REQUIRED)]


def _row_question(number: int, cells: dict[str, str], survey: bool) -> dict[str, Any]:
    qtype = TYPE_WORDS.get(cells.get("题型", "").strip().lower(), cells.get("题型", ""))
    raw: dict[str, Any] = {
        "id": cells.get("题号") or f"q{number - 1:03d}",
        "type": qtype,
        "stem": cells.get("题干", ""),
    }
    if qtype in {"single", "multiple"}:
        options = [cells.get(h, "") for h in OPTION_HEADERS]
        while options and not options[-1]:
            options.pop()
        raw["options"] = options
    answer = cells.get("答案", "")
    if answer and not survey:
        if qtype == "fill":
            blanks = [b.strip() for b in re.split(r"[;；]", answer) if b.strip()]
            raw["answer"] = blanks if len(blanks) > 1 else (blanks[0] if blanks else "")
        else:
            raw["answer"] = answer
    elif answer:
        raw["answer"] = answer  # the validator says a survey has no answers
    if cells.get("解析"):
        raw["explanation"] = cells["解析"]
    if cells.get("标签"):
        raw["tags"] = cells["标签"]
    if cells.get("难度"):
        raw["difficulty"] = cells["难度"]
    return raw


def _editor_form(q: dict[str, Any]) -> dict[str, Any]:
    """A normalised question back in the documented file format (letters, 对/错, a|b)."""
    out: dict[str, Any] = {"id": q["id"], "type": q["type"], "stem": q["stem"]}
    if q["type"] in {"single", "multiple"}:
        out["options"] = q["options"]
    if q["answer"] is not None:
        if q["type"] in {"single", "multiple"}:
            out["answer"] = "".join(quiz_content.LETTERS[i] for i in q["answer"])
        elif q["type"] == "truefalse":
            out["answer"] = "对" if q["answer"] == [0] else "错"
        else:
            blanks = ["|".join(alts) for alts in q["answer"]]
            out["answer"] = blanks[0] if len(blanks) == 1 else blanks
    if q["explanation"]:
        out["explanation"] = q["explanation"]
    if q["tags"]:
        out["tags"] = q["tags"]
    out["difficulty"] = q["difficulty"]
    return out


def convert(
    path: Path, bank_id: str, title: str, survey: bool = False
) -> tuple[str | None, list[str]]:
    """The bank file's text, or None and every problem (row number and column)."""
    try:
        rows = read_rows(path)
    except TableError as exc:
        return None, [f"{path}: {exc}"]
    kind = "survey" if survey else "graded"
    problems: list[str] = []
    if not quiz_content.ID_RE.fullmatch(bank_id):
        problems.append(f"题库编号 {bank_id}：须为小写字母、数字、- 或 _（用 --bank 指定）")
    if not rows:
        problems.append(f"{path}: 没有题目")
    questions: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, cells in rows:

        def loc(name: str, number: int = number) -> str:
            base = name.split("[")[0]
            header = FIELD_HEADERS.get(base, base)
            if name.startswith("options["):
                header = OPTION_HEADERS[int(name[8:-1])]
            return f"第 {number} 行 {header}".rstrip()

        q, found = quiz_content.check_question(_row_question(number, cells, survey), kind, loc)
        problems.extend(found)
        if q is None:
            continue
        if q["id"] in seen:
            problems.append(f"{loc('id')}: {q['id']} 与第 {seen[q['id']]} 行重复")
            continue
        seen[q["id"]] = number
        questions.append(_editor_form(q))
    if problems:
        return None, problems
    return quiz_content.bank_yaml(bank_id, title, kind, questions), []


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="从 Excel/CSV 导入题库")
    parser.add_argument("file", type=Path)
    parser.add_argument("--out", type=Path, required=True, help="content/quizzes/<题库>.yaml")
    parser.add_argument("--bank", help="题库编号（默认为输出文件名）")
    parser.add_argument("--title", help="题库名称（默认为表格文件名）")
    parser.add_argument("--survey", action="store_true", help="党性体检问卷（不评分，无答案）")
    args = parser.parse_args(argv)
    bank_id = args.bank or args.out.stem
    text, problems = convert(args.file, bank_id, args.title or args.file.stem, args.survey)
    if text is None:
        print("\n".join(problems), file=sys.stderr)
        print("有错误，未写入任何文件。", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    count = text.count("\n- id: ") + text.startswith("- id: ")
    print(f"已写入 {args.out}（{count} 道题）")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
