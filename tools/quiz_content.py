"""Question banks and quiz definitions under `content/quizzes/`: read, check, normalise.

The one validator, used by the site build (plugins/quiz_check), the spreadsheet importer
(tools/import_quiz_bank.py) and the publisher (tools/publish_quizzes.py). Every problem names
the file, the line and the field: `content/quizzes/jichu.yaml:41: questions[3].answer: …`.
The format is documented for editors in README.md (Quizzes and exams).

A file holds either one bank (top-level `bank:`) or one quiz (top-level `quiz:`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from chalicelib.identifiers import QUESTION_ID, QUIZ_ID, is_quiz_id
from tools.site_content import ContentError, where

ROOT = Path(__file__).resolve().parent.parent
QUIZ_DIR = ROOT / "content" / "quizzes"
TZ = ZoneInfo("Asia/Shanghai")

ID_RE = QUIZ_ID  # banks and quizzes: chalicelib.identifiers, the one definition
QID_RE = QUESTION_ID


def valid_id(value: object) -> bool:
    return is_quiz_id(value)


LETTERS = "ABCDEFGH"
TYPES = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题", "fill": "填空题"}
SURVEY_TYPES = {"single", "multiple"}
TRUE_WORDS = {"对", "正确", "是", "√", "true", "t", "yes", "y"}
FALSE_WORDS = {"错", "错误", "否", "×", "false", "f", "no", "n"}
TRUEFALSE_OPTIONS = ["正确", "错误"]
DIFFICULTY = {"易": 1, "中": 2, "难": 3, "1": 1, "2": 2, "3": 3}
KINDS = {"daily": "每日答题", "challenge": "挑战答题", "exam": "专题考试", "survey": "党性体检"}
MAX_STEM = 500
MAX_OPTION = 200
MAX_EXPLANATION = 1000


# --- YAML with line numbers ------------------------------------------------------------------


class LineDict(dict):
    """A mapping that remembers the line of itself and of each key."""

    line = 1
    lines: dict[Any, int]


class LineList(list):
    line = 1
    lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _map(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _seq(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(n, deep=True) for n in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [n.start_mark.line + 1 for n in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _seq)


def load_yaml(path: Path) -> Any:
    """The file's data, mappings and lists carrying their lines; ContentError on bad YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{where(path, 1)}: 无法读取（须为 UTF-8 文本）：{exc}") from None
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 1
        raise ContentError(f"{where(path, line)}: YAML 格式错误：{exc.problem}") from None


def _line(container: Any, key: Any) -> int:
    if isinstance(container, LineDict):
        return container.lines.get(key, container.line)
    if isinstance(container, LineList) and isinstance(key, int) and key < len(container.lines):
        return container.lines[key]
    return getattr(container, "line", 1)


# --- the checks ------------------------------------------------------------------------------

Loc = Callable[[str], str]  # field name → "file:line: questions[3].answer" (or a row's header)


@dataclass
class Bank:
    bank_id: str
    title: str
    kind: str  # graded / survey
    questions: list[dict[str, Any]]  # normalised, in file order
    source: str = ""

    @property
    def version(self) -> str:
        """The content hash: the same questions give the same version wherever published."""
        canon = json.dumps([self.kind, self.questions], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canon.encode()).hexdigest()[:12]

    @property
    def bank_version(self) -> str:
        return f"{self.bank_id}@{self.version}"


@dataclass
class QuizDef:
    quiz_id: str
    kind: str
    title: str
    settings: dict[str, Any]
    banks: list[str]
    pool: list[str] = field(default_factory=list)  # "<bank_version>/<qid>"
    source: str = ""

    @property
    def version(self) -> str:
        canon = json.dumps([self.kind, self.title, self.settings, self.pool], sort_keys=True)
        return hashlib.sha256(canon.encode()).hexdigest()[:12]


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        return str(value).strip()
    return None


def _letters(value: Any, n_options: int) -> list[int] | None:
    """'B', 'ACD', 'A,C', ['A', 'C'] → sorted option indexes; None if not letters in range."""
    if isinstance(value, list):
        parts = [_text(v) or "" for v in value]
    else:
        text = _text(value)
        if text is None:
            return None
        parts = list(re.sub(r"[\s,，、;；]", "", text))
    out = []
    for part in parts:
        part = part.strip().upper()
        if len(part) != 1 or part not in LETTERS[:n_options]:
            return None
        out.append(LETTERS.index(part))
    return sorted(set(out)) if out else None


def _truefalse(value: Any) -> int | None:
    if value is True:
        return 0
    if value is False:
        return 1
    text = (_text(value) or "").lower()
    if text in TRUE_WORDS:
        return 0
    if text in FALSE_WORDS:
        return 1
    return None


def _fill_answer(value: Any) -> list[list[str]] | None:
    """One blank: 'a|b' (alternatives); several: a list, one entry (str or list) per blank."""
    blanks = value if isinstance(value, list) else [value]
    out: list[list[str]] = []
    for blank in blanks:
        alts = blank if isinstance(blank, list) else (_text(blank) or "").split("|")
        clean = [a for a in (_text(x) or "" for x in alts) if a]
        if not clean:
            return None
        out.append(clean)
    return out or None


def _tags(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        value = re.split(r"[,，、;；\s]+", value)
    if not isinstance(value, list):
        return None
    tags = [_text(t) for t in value]
    if any(t is None for t in tags):
        return None
    return [t for t in tags if t]


def check_question(raw: Any, kind: str, loc: Loc) -> tuple[dict[str, Any] | None, list[str]]:
    """One question of a bank of `kind` (graded / survey) → (normalised or None, problems)."""
    if not isinstance(raw, dict):
        return None, [f"{loc('')}: 每道题须为键值对象（type、stem、options、answer…）"]
    problems: list[str] = []

    def bad(name: str, message: str) -> None:
        problems.append(f"{loc(name)}: {message}")

    known = {"id", "type", "stem", "options", "answer", "explanation", "tags", "difficulty"}
    for extra in sorted(set(map(str, raw)) - known - {"shuffle"}):
        bad(extra, f"不认识的字段（可用：{'、'.join(sorted(known | {'shuffle'}))}）")
    qid = _text(raw.get("id"))
    if not qid or not QID_RE.fullmatch(qid):
        bad("id", "题号须为 1–40 位字母、数字、- 或 _")
    qtype = _text(raw.get("type"))
    allowed = SURVEY_TYPES if kind == "survey" else set(TYPES)
    if qtype not in allowed:
        names = "、".join(f"{t}({TYPES[t]})" for t in TYPES if t in allowed)
        bad("type", f"题型须为 {names}")
        return None, problems
    stem = _text(raw.get("stem"))
    if not stem:
        bad("stem", "题干不能为空")
    elif len(stem) > MAX_STEM:
        bad("stem", f"题干过长（最多 {MAX_STEM} 字）")
    options: list[str] = []
    if qtype in {"single", "multiple"}:
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or not 2 <= len(raw_options) <= len(LETTERS):
            bad("options", f"须列出 2–{len(LETTERS)} 个选项")
        else:
            for i, opt in enumerate(raw_options):
                text = _text(opt)
                if not text:
                    bad(f"options[{i}]", f"选项 {LETTERS[i]} 不能为空")
                elif len(text) > MAX_OPTION:
                    bad(f"options[{i}]", f"选项 {LETTERS[i]} 过长（最多 {MAX_OPTION} 字）")
                options.append(text or "")
            if len(set(options)) != len(options):
                bad("options", "选项有重复")
    elif raw.get("options") is not None:
        bad("options", f"{TYPES[qtype]}不需要选项")
    if qtype == "truefalse":
        options = list(TRUEFALSE_OPTIONS)
    answer: Any = None
    if kind == "survey":
        if raw.get("answer") is not None:
            bad("answer", "党性体检（问卷）题不评分，不能有答案")
    elif raw.get("answer") is None or raw.get("answer") == "":
        bad("answer", "缺少答案")
    elif qtype in {"single", "multiple"} and options:
        answer = _letters(raw["answer"], len(options))
        if answer is None:
            bad("answer", f"答案须为选项字母（A–{LETTERS[len(options) - 1]}）")
        elif qtype == "single" and len(answer) != 1:
            bad("answer", "单选题只能有一个答案")
        elif qtype == "multiple" and len(answer) < 2:
            bad("answer", "多选题须有至少两个正确选项")
    elif qtype == "truefalse":
        tf = _truefalse(raw["answer"])
        if tf is None:
            bad("answer", "判断题答案须为 对 或 错")
        else:
            answer = [tf]
    elif qtype == "fill":
        answer = _fill_answer(raw["answer"])
        if answer is None:
            bad("answer", "填空题答案不能为空（多个可接受答案用 | 分隔，多个空用列表）")
    explanation = _text(raw.get("explanation")) or ""
    if raw.get("explanation") is not None and _text(raw.get("explanation")) is None:
        bad("explanation", "解析须为文本")
    elif len(explanation) > MAX_EXPLANATION:
        bad("explanation", f"解析过长（最多 {MAX_EXPLANATION} 字）")
    tags = _tags(raw.get("tags"))
    if tags is None:
        bad("tags", "标签须为文本列表")
    difficulty = DIFFICULTY.get(_text(raw.get("difficulty")) or "2")
    if difficulty is None:
        bad("difficulty", "难度须为 1、2、3（或 易、中、难）")
    shuffle = raw.get("shuffle", qtype in {"single", "multiple"})
    if not isinstance(shuffle, bool):
        bad("shuffle", "须为 true 或 false")
    if qtype == "truefalse":
        shuffle = False
    if problems:
        return None, problems
    return {
        "id": qid,
        "type": qtype,
        "stem": stem,
        "options": options,
        "answer": answer,
        "explanation": explanation,
        "tags": tags,
        "difficulty": difficulty,
        "shuffle": shuffle,
    }, []


def _yaml_loc(path: Path, container: Any, prefix: str) -> Loc:
    def loc(name: str) -> str:
        key: Any = name.split("[")[0] if name else None
        line = _line(container, key) if key else getattr(container, "line", 1)
        if name.startswith("options[") and isinstance(container, dict):
            opts = container.get("options")
            line = _line(opts, int(name[8:-1])) if isinstance(opts, list) else line
        full = f"{prefix}.{name}" if prefix and name else (prefix or name)
        return f"{where(path, line)}: {full}"

    return loc


def check_bank(data: Any, path: Path) -> tuple[Bank | None, list[str]]:
    """A bank file's data → (Bank or None, problems with file:line: field:)."""
    top = _yaml_loc(path, data, "")
    if not isinstance(data, dict):
        return None, [f"{where(path, 1)}: 题库文件须以 bank: 开头（键值对象）"]
    problems = []
    for extra in sorted(set(map(str, data)) - {"bank", "title", "kind", "questions"}):
        problems.append(f"{top(extra)}: 不认识的字段（可用：bank、title、kind、questions）")
    bank_id = _text(data.get("bank"))
    if not bank_id or not ID_RE.fullmatch(bank_id):
        problems.append(f"{top('bank')}: 题库编号须为小写字母、数字、- 或 _（1–40 位）")
    title = _text(data.get("title"))
    if not title:
        problems.append(f"{top('title')}: 缺少题库名称")
    kind = _text(data.get("kind")) or "graded"
    if kind not in {"graded", "survey"}:
        problems.append(f"{top('kind')}: 须为 graded（评分题库）或 survey（党性体检问卷）")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        problems.append(f"{top('questions')}: 须列出至少一道题")
        questions = []
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(questions):
        item = raw if isinstance(raw, dict) else LineDict()
        if not isinstance(raw, dict):
            item.line = _line(questions, i)
            item.lines = {}
        q, found = check_question(raw, kind, _yaml_loc(path, item, f"questions[{i}]"))
        problems.extend(found)
        if q is not None:
            if q["id"] in seen:
                loc = _yaml_loc(path, item, f"questions[{i}]")
                problems.append(f"{loc('id')}: 题号 {q['id']} 与第 {seen[q['id']] + 1} 题重复")
            seen.setdefault(q["id"], i)
            out.append(q)
    if problems:
        return None, problems
    return Bank(bank_id or "", title or "", kind, out, str(path)), []


QUIZ_FIELDS = {
    "quiz",
    "kind",
    "title",
    "description",
    "banks",
    "tags",
    "count",
    "show_answers",
    "show_explanations",
    "opens",
    "closes",
    "time_limit_minutes",
    "attempts",
    "pass_mark",
    "multiple_scoring",
    "shuffle_questions",
    "shuffle_options",
    "scope",
}
_DEFAULT_COUNT = {"daily": 5, "challenge": 30, "exam": 10}


def _when(value: Any) -> float | None:
    """'2026-11-01 08:00' (Asia/Shanghai) → epoch seconds; a bare date means its midnight."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=TZ)
        return moment.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=TZ).timestamp()
    text = _text(value) or ""
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=TZ).timestamp()
        except ValueError:
            continue
    return None


def check_quiz(data: Any, path: Path) -> tuple[QuizDef | None, list[str]]:
    """A quiz file's data → (QuizDef without its pool, problems). Banks are resolved later."""
    if not isinstance(data, dict):
        return None, [f"{where(path, 1)}: 测验文件须以 quiz: 开头（键值对象）"]
    loc = _yaml_loc(path, data, "")
    problems: list[str] = []

    def bad(name: str, message: str) -> None:
        problems.append(f"{loc(name)}: {message}")

    for extra in sorted(set(map(str, data)) - QUIZ_FIELDS):
        bad(extra, "不认识的字段")
    quiz_id = _text(data.get("quiz"))
    if not quiz_id or not ID_RE.fullmatch(quiz_id):
        bad("quiz", "测验编号须为小写字母、数字、- 或 _（1–40 位）")
    kind = _text(data.get("kind"))
    if kind not in KINDS:
        bad(
            "kind",
            "须为 daily（每日答题）、challenge（挑战答题）、exam（专题考试）或 survey（党性体检）",
        )
        return None, problems
    title = _text(data.get("title"))
    if not title:
        bad("title", "缺少标题")
    banks = data.get("banks")
    if isinstance(banks, str):
        banks = [banks]
    if not isinstance(banks, list) or not banks or not all(_text(b) for b in banks):
        bad("banks", "须列出至少一个题库编号")
        banks = []
    tags = _tags(data.get("tags"))
    if tags is None:
        bad("tags", "标签须为文本列表")

    def flag(name: str, default: bool) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            bad(name, "须为 true 或 false")
            return default
        return value

    def number(name: str, default: int | None, low: int, high: int) -> int | None:
        value = data.get(name, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            bad(name, f"须为 {low}–{high} 的整数")
            return default
        return value

    settings: dict[str, Any] = {
        "description": _text(data.get("description")) or "",
        "tags": tags or [],
        "show_answers": flag("show_answers", kind != "survey"),
        "show_explanations": flag("show_explanations", kind != "survey"),
        "shuffle_questions": flag("shuffle_questions", kind != "survey"),
        "shuffle_options": flag("shuffle_options", kind != "survey"),
        "count": None,
        "opens": None,
        "closes": None,
        "time_limit_seconds": None,
        "attempts": None,
        "pass_mark": None,
        "multiple_scoring": _text(data.get("multiple_scoring")) or "exact",
        "scope": [],
    }
    if settings["multiple_scoring"] not in {"exact", "partial"}:
        bad("multiple_scoring", "须为 exact（全对得分）或 partial（少选按比例得分，错选不得分）")
    if kind != "survey":
        settings["count"] = number("count", _DEFAULT_COUNT[kind], 1, 200)
    elif "count" in data:
        bad("count", "党性体检问卷总是包含题库的全部题目")
    for name in ("opens", "closes"):
        if data.get(name) is not None:
            settings[name] = _when(data[name])
            if settings[name] is None:
                bad(name, "时间格式须为 YYYY-MM-DD HH:MM（北京时间）")
    if settings["opens"] and settings["closes"] and settings["opens"] >= settings["closes"]:
        bad("closes", "结束时间须晚于开始时间")
    if kind == "exam":
        for name in ("opens", "closes", "time_limit_minutes"):
            if data.get(name) is None:
                bad(name, "专题考试须设置开始时间 opens、结束时间 closes 和限时 time_limit_minutes")
        minutes = number("time_limit_minutes", None, 1, 600)
        settings["time_limit_seconds"] = minutes * 60 if minutes else None
        settings["attempts"] = number("attempts", 1, 1, 20)
        settings["pass_mark"] = number("pass_mark", 60, 0, 100)
    else:
        for name in ("time_limit_minutes", "attempts", "pass_mark"):
            if name in data:
                bad(name, "只有专题考试（kind: exam）可以设置")
    scope = data.get("scope", [])
    if isinstance(scope, str):
        scope = [scope]
    if not isinstance(scope, list) or not all(_text(s) for s in scope):
        bad("scope", "须为单位编号列表（这些单位及其下级的党员可参加）")
    else:
        settings["scope"] = [_text(s) for s in scope]
    if problems:
        return None, problems
    names = [_text(b) or "" for b in banks]
    return QuizDef(quiz_id or "", kind, title or "", settings, names, source=str(path)), []


@dataclass
class Content:
    banks: dict[str, Bank]
    quizzes: dict[str, QuizDef]


def load(
    folder: Path = QUIZ_DIR, unit_ids: set[str] | None = None, *, required: bool = False
) -> Content:
    """Every bank and quiz under `folder` (recursively, *.yaml / *.yml), checked together.

    Raises ContentError listing every problem (`file:line: field: message`). `unit_ids`, when
    given, checks each quiz's `scope` against the organisation's units.
    """
    files = sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]) if folder.is_dir() else []
    if required and not files:
        raise ContentError(f"{folder}: 没有题库或测验文件")
    problems: list[str] = []
    banks: dict[str, Bank] = {}
    quizzes: dict[str, QuizDef] = {}
    quiz_data: dict[str, Any] = {}
    for path in files:
        try:
            data = load_yaml(path)
        except ContentError as exc:
            problems.append(str(exc))
            continue
        if isinstance(data, dict) and "bank" in data:
            bank, found = check_bank(data, path)
            problems.extend(found)
            if bank and bank.bank_id in banks:
                loc = _yaml_loc(path, data, "")
                other = banks[bank.bank_id].source
                problems.append(f"{loc('bank')}: 题库编号 {bank.bank_id} 重复（另见 {other}）")
            elif bank:
                banks[bank.bank_id] = bank
        elif isinstance(data, dict) and "quiz" in data:
            quiz, found = check_quiz(data, path)
            problems.extend(found)
            if quiz and quiz.quiz_id in quizzes:
                loc = _yaml_loc(path, data, "")
                problems.append(f"{loc('quiz')}: 测验编号 {quiz.quiz_id} 重复")
            elif quiz:
                quizzes[quiz.quiz_id] = quiz
                quiz_data[quiz.quiz_id] = (data, path)
        else:
            problems.append(f"{where(path, 1)}: 题库文件须以 bank: 开头，测验文件须以 quiz: 开头")
    # Daily quizzes and challenges show the right answer after each try: an exam drawing from
    # the same bank would be answered in advance.
    practice_banks = {
        name for q in quizzes.values() if q.kind in {"daily", "challenge"} for name in q.banks
    }
    for quiz in quizzes.values():
        data, path = quiz_data[quiz.quiz_id]
        loc = _yaml_loc(path, data, "")
        for name in quiz.banks:
            if quiz.kind == "exam" and name in practice_banks:
                problems.append(
                    f"{loc('banks')}: 专题考试不能使用每日答题或挑战答题也在用的题库 {name}"
                    "（练习中会公布答案）"
                )
            bank = banks.get(name)
            if bank is None:
                problems.append(f"{loc('banks')}: 题库 {name} 不存在（或有错误）")
                continue
            if (bank.kind == "survey") != (quiz.kind == "survey"):
                need = "survey（问卷）" if quiz.kind == "survey" else "graded（评分）"
                problems.append(f"{loc('banks')}: {KINDS[quiz.kind]}须使用 {need}题库：{name}")
                continue
            wanted = set(quiz.settings["tags"])
            quiz.pool.extend(
                f"{bank.bank_version}/{q['id']}"
                for q in bank.questions
                if not wanted or wanted & set(q["tags"])
            )
        count = quiz.settings["count"]
        if count and len(quiz.pool) < count and quiz.kind != "challenge":
            problems.append(
                f"{loc('count')}: 题库中符合条件的题目只有 {len(quiz.pool)} 道，少于 count {count}"
            )
        if not quiz.pool and not any("banks" in p for p in problems):
            problems.append(f"{loc('tags')}: 没有符合标签的题目")
        if unit_ids is not None:
            for unit in quiz.settings["scope"]:
                if unit not in unit_ids:
                    problems.append(f"{loc('scope')}: 单位 {unit} 不在单位文件中")
    if problems:
        raise ContentError("题库或测验有误：\n" + "\n".join(problems))
    return Content(banks, quizzes)


def bank_yaml(bank_id: str, title: str, kind: str, questions: list[dict[str, Any]]) -> str:
    """A bank file in the documented format (the importer writes this)."""
    doc: dict[str, Any] = {"bank": bank_id, "title": title}
    if kind != "graded":
        doc["kind"] = kind
    doc["questions"] = questions
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
