"""User-facing Chinese text uses full-width punctuation (，；：？！（）), never half-width.

Scans every source of text a member, a staff user or an operator reads: the theme's templates
(text, attributes, inline scripts; not comments), the theme's JavaScript (string literals and
template text; not comments), the API's messages (string constants of functions/chalicelib, not
docstrings or comments), the tools' CLI output, the plugins' build messages, the quizzes' YAML
values (titles, descriptions, stems, options) and the Markdown prose of content/. A half-width
, ; : ? ! right after or before a Chinese character (or full-width punctuation) fails, and so
does a half-width ( or ) next to one, or a half-width pair of parentheses around Chinese text.

Half-width stays right where it is not Chinese prose: code and URLs (`?next=`), times (10:00),
placeholders (`{n}`, `%s`), a location prefix before a message, the way compilers write it
(`{path}:{line}: 缺少标题`, and `第 3 行 手机号: 号码格式不正确` built by the importers from a row
and a column header: a placeholder, a colon and a space), English text, regexes (the arguments
of `re.*`, skipped) and CSS. Field names in messages take full-width parentheses like any
other aside in a Chinese sentence: 期间（period）.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

# Chinese characters and the full-width punctuation that sits between them.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f" + "！（），：；？…—“”"
HALF = r"[,;:?!()]"
BAD = re.compile(
    rf"[{CJK}]{HALF}"  # 信息不匹配,  期间(
    rf"|{HALF}[{CJK}]"  # ,请核对  )或
    rf"|\([^()\n]*[{CJK}][^()\n]*\)"  # (截至 2026-12-01)
    r"|（[^（）()\n]*\)|\([^（）()\n]*）"  # （reason) — a pair of two widths
    rf"|[{CJK}] +[,;:?!(]"  # 党员 (并  试运行 (--dry-run)
    rf"|\) *[,;:?!]? *[{CJK}]"  # (--dry-run): 未写入  (beta) 版
)

# (path relative to the root, the whole string) → why half-width is right there. Keep it short.
_BOTH_WIDTHS = "a set of marks of both widths, not prose"
_DEV_LABEL = "an operation name for developers (English, or a screen and its route)"
ALLOWED: dict[tuple[str, str], str] = {
    ("tools/constitution_text.py", "。，；：！？、,;:!?"): _BOTH_WIDTHS,
    ("tools/constitution_series.py", "，、；：。,;"): _BOTH_WIDTHS,
    (
        "functions/chalicelib/quiz_grading.py",
        "。．.，,、！!？?；;：:\"'“”‘’「」『』《》<>()（）[]【】",
    ): _BOTH_WIDTHS,
    (
        "tools/cost_estimate.py",
        "first login on or after the 入党纪念日 (with both awards)",
    ): _DEV_LABEL,
    (
        "tools/benches/auth.py",
        "first login on or after the 入党纪念日 (with both awards)",
    ): _DEV_LABEL,
    ("tools/cost_estimate.py", "我的党建 (GET /points/me)"): _DEV_LABEL,
    ("tools/benches/engagement.py", "我的党建 (GET /points/me)"): _DEV_LABEL,
}

RE_FUNCTIONS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall"}
RE_FUNCTIONS |= {"finditer"}


def _hits(text: str) -> list[str]:
    return [m.group(0) for m in BAD.finditer(text)]


# --- Python: string constants that are not docstrings and not regexes -----------------------


def _python_strings(source: str) -> Iterator[tuple[int, str]]:
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in ast.walk(tree):
        # A bare string statement is a docstring (or a comment in disguise): never shown.
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.add(id(node.value))
        # A regex pattern is code, not prose.
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in RE_FUNCTIONS
            and node.args
        ):
            for part in ast.walk(node.args[0]):
                skip.add(id(part))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


# --- JavaScript: string literals and template text, not comments or regex literals ----------

_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}


def _js_strings(source: str) -> Iterator[tuple[int, str]]:
    """A small lexer: enough for the theme's plain ES modules."""
    i, n, line = 0, len(source), 1
    last = ""  # the last significant character outside strings and comments
    depth: list[int] = []  # brace depth at each `${` of the template literals we are inside
    braces = 0

    def template(start: int, start_line: int) -> tuple[int, int, str]:
        j, ln, buf = start, start_line, []
        while j < n:
            c = source[j]
            if c == "\\":
                buf.append(source[j : j + 2])
                j += 2
                continue
            if c == "`":
                return j + 1, ln, "".join(buf)
            if c == "$" and source[j + 1 : j + 2] == "{":
                return j + 2, ln, "".join(buf) + "\x00"  # \x00: an embedded expression follows
            if c == "\n":
                ln += 1
            buf.append(c)
            j += 1
        raise AssertionError("unterminated template literal")

    while i < n:
        c = source[i]
        if c == "\n":
            line += 1
            i += 1
        elif c.isspace():
            i += 1
        elif source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            end = source.index("*/", i) + 2
            line += source.count("\n", i, end)
            i = end
        elif c in "'\"":
            j = i + 1
            while source[j] != c:
                j += 2 if source[j] == "\\" else 1
            yield line, source[i + 1 : j]
            i, last = j + 1, "a"
        elif c == "`" or (c == "}" and depth and braces == depth[-1]):
            if c == "}":
                depth.pop()
            start_line = line
            i, line, text = template(i + 1, line)
            if text.endswith("\x00"):
                depth.append(braces)
                text = text[:-1]
            yield start_line, text
            last = "a"
        elif c == "/" and last in _REGEX_BEFORE:
            j, in_class = i + 1, False
            while source[j] != "/" or in_class:
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            i, last = j + 1, "a"
        else:
            if c == "{":
                braces += 1
            elif c == "}":
                braces -= 1
            last = c if not (c.isalnum() or c in "_$") else "a"
            if c in ")]":
                last = "a"
            i += 1


# --- Templates: text and attributes, the string literals of Jinja tags; no comments ----------

_TEMPLATE_COMMENT = re.compile(r"<!--.*?-->|\{#.*?#\}", re.S)
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_JINJA_STRING = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")


def _jinja_strings(tag: str) -> str:
    literals = " ".join(a or b for a, b in _JINJA_STRING.findall(tag))
    return literals + "\n" * tag.count("\n")


def _template_lines(source: str) -> Iterator[tuple[int, str]]:
    blanked = _TEMPLATE_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    blanked = _JINJA_TAG.sub(lambda m: _jinja_strings(m.group(0)), blanked)
    yield from enumerate(blanked.splitlines(), start=1)


# --- Content: the quizzes' YAML values (not comments) and Markdown prose ---------------------


def _yaml_strings(source: str) -> Iterator[tuple[int, str]]:
    stack = [yaml.compose(source)]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            yield node.start_mark.line + 1, node.value
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(value for _, value in node.value)


_MD_LINK_TARGET = re.compile(r"\]\([^)]*\)")


def _markdown_lines(source: str) -> Iterator[tuple[int, str]]:
    """The body after the metadata header (`Tags: a, b` is a list, not prose); no link targets."""
    lines = source.splitlines()
    body = lines.index("") + 1 if "" in lines else 0
    for number, text in enumerate(lines[body:], start=body + 1):
        yield number, _MD_LINK_TARGET.sub("]", text)


# --- The scan --------------------------------------------------------------------------------


def _sources() -> Iterator[tuple[Path, str]]:
    for path in sorted((ROOT / "theme" / "templates").rglob("*.html")):
        yield path, "template"
    for path in sorted((ROOT / "theme" / "static" / "js").rglob("*.js")):
        yield path, "js"
    for folder in ("functions/chalicelib", "tools", "plugins"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, "python"
    for path in sorted((ROOT / "content" / "quizzes").rglob("*.yaml")):
        yield path, "yaml"
    for path in sorted((ROOT / "content").rglob("*.md")):
        yield path, "markdown"


def _texts(path: Path, kind: str) -> Iterator[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    if kind == "template":
        yield from _template_lines(source)
    elif kind == "js":
        yield from _js_strings(source)
    elif kind == "yaml":
        yield from _yaml_strings(source)
    elif kind == "markdown":
        yield from _markdown_lines(source)
    else:
        yield from _python_strings(source)


def scan() -> list[str]:
    found = []
    for path, kind in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for line, text in _texts(path, kind):
            hits = _hits(text)
            if hits and (rel, text.strip()) not in ALLOWED:
                found.append(f"{rel}:{line}: {' '.join(hits)} in {text.strip()[:100]!r}")
    return sorted(set(found))


def test_user_facing_chinese_uses_fullwidth_punctuation() -> None:
    found = scan()
    assert not found, "half-width punctuation in Chinese text:\n" + "\n".join(found)


def test_every_allowed_entry_is_still_needed() -> None:
    texts = {
        (path.relative_to(ROOT).as_posix(), text.strip())
        for path, kind in _sources()
        for _, text in _texts(path, kind)
        if _hits(text)
    }
    assert set(ALLOWED) <= texts, f"stale allow-list entries: {set(ALLOWED) - texts}"


# --- The scanner itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "信息不匹配,请核对…",
        "首次使用?激活账号",
        "100 分,60 分及格",
        "登录已过期,请重新登录",
        "期间(period)须为 YYYY-MM",
        "报告 (截至 2026-12-01)",
        "表头: 单位编号",
        "投票成功!",
        "无支部书记; 另见",
        "原因（reason)",
        "试运行 (--dry-run): 未写入数据库。",
        "上限 (100 KB）",
    ],
)
def test_scanner_flags(text: str) -> None:
    assert _hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "每天 10:00 更新",
        "{path}:{line}: 缺少标题",
        "login.html?next=/me.html",
        "结果：%s，共 {n} 题",
        "Unknown field (period)",
        "信息不匹配，请核对（期间）",
    ],
)
def test_scanner_passes(text: str) -> None:
    assert not _hits(text)


def test_js_lexer_reads_strings_and_template_text_not_comments_or_regexes() -> None:
    source = (
        "// 注释,不扫描\n"
        "const a = '单引号,中文';\n"
        "/* 块注释(不扫描) */\n"
        "const r = /[,(]中/g;\n"
        "const t = `共 ${n > 1 ? `${n} 题` : '一题'} ,已完成(${done})`;\n"
        'const x = y / 2, z = "双引号?问";\n'
    )
    texts = [(line, t) for line, t in _js_strings(source) if _hits(t)]
    assert [line for line, _ in texts] == [2, 5, 6]
