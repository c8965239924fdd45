"""Spreadsheets as party-affairs staff keep them: CSV (UTF-8, UTF-16 or GB18030, as Excel in
China saves it) or XLSX, first row the headers. Used by every importer (registry, question banks)
and by the console's registry upload (`read_upload`: the same reading from bytes). openpyxl is
imported only when an XLSX file is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

# Bounds of every reading: a tiny XLSX may claim a sheet of 1,048,576 × 16,384 cells (read-only
# openpyxl pads every row to the claimed width), and a CSV cell may exceed the csv module's limit.
MAX_ROWS = 50_000  # data rows of a file; callers may ask for fewer
MAX_COLS = 50  # columns read; a value in the next one is refused, further right is not read
_BLANK_TAIL = 10_000  # blank rows tolerated after the last allowed row (formatted, empty)


class TableError(ValueError):
    """The file as a whole cannot be read (format, encoding, headers); the message is Chinese."""


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet row number (header = row 1) and its cells as text."""

    number: int
    values: dict[str, str]

    def get(self, header: str) -> str:
        return self.values.get(header, "")


def read_table(
    path: str | Path,
    headers: Sequence[str],
    required: Sequence[str] | None = None,
    max_rows: int = MAX_ROWS,
) -> list[Row]:
    """Read a CSV or XLSX file whose first row names its columns (any order): every header in
    `required` (default: all of `headers`) must be there, and nothing outside `headers`; more
    than `max_rows` data rows is a TableError (read no further)."""
    path = Path(path)
    if not path.is_file():
        raise TableError("找不到文件")
    return read_upload(path.read_bytes(), path.name, headers, required, max_rows)


def read_upload(
    data: bytes,
    filename: str,
    headers: Sequence[str],
    required: Sequence[str] | None = None,
    max_rows: int = MAX_ROWS,
) -> list[Row]:
    """`read_table` over a file's bytes; its name's extension says CSV or XLSX."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        raw = _read_csv(data, max_rows)
    elif suffix in (".xlsx", ".xlsm"):
        raw = _read_xlsx(data, max_rows)
    else:
        raise TableError(f"不支持的文件类型 {suffix or '（无扩展名）'}：请使用 .csv 或 .xlsx")
    if not raw:
        raise TableError("文件是空的：第 1 行应为表头")
    names = [cell_text(c) for c in raw[0]]
    _check_headers(names, headers, headers if required is None else required)
    index = {name: i for i, name in enumerate(names) if name}
    rows = []
    for number, cells in enumerate(raw[1:], start=2):
        values = {h: cell_text(cells[i]) if i < len(cells) else "" for h, i in index.items()}
        if any(values.values()):  # blank lines are common at the end of spreadsheets
            rows.append(Row(number, values))
    return rows


def _too_many_rows(max_rows: int) -> TableError:
    return TableError(f"超过 {max_rows} 行，请分批导入")


def _bounded(rows, max_rows: int) -> list[list[object]]:  # type: ignore[no-untyped-def]
    """The first rows of a sheet, read lazily: at most `max_rows` non-blank data rows (and some
    blank ones after them), at most MAX_COLS columns — never the whole of what a file claims."""
    out: list[list[object]] = []
    filled = 0
    for number, row in enumerate(rows, start=1):
        cells = list(row)
        if len(cells) > MAX_COLS and any(cell_text(c) for c in cells[MAX_COLS:]):
            raise TableError(f"第 {number} 行：超过 {MAX_COLS} 列，请只保留名册的各列")
        cells = cells[:MAX_COLS]
        if number > 1 and any(cell_text(c) for c in cells):
            filled += 1
            if filled > max_rows:
                raise _too_many_rows(max_rows)
        if number > max_rows + 1 + _BLANK_TAIL:
            # a row this far down exists in the file (rows are only filled in up to a real one)
            raise TableError(f"第 {max_rows + 1 + _BLANK_TAIL} 行之后仍有内容：请删除多余的行")
        out.append(cells)
    return out


def _check_headers(names: list[str], headers: Sequence[str], required: Sequence[str]) -> None:
    present = [n for n in names if n]
    problems = []
    if missing := [h for h in required if h not in present]:
        problems.append("缺少列 " + "、".join(missing))
    if unknown := [n for n in present if n not in headers]:
        problems.append("无法识别的列 " + "、".join(unknown))
    if repeated := sorted({n for n in present if present.count(n) > 1}):
        problems.append("重复的列 " + "、".join(repeated))
    if problems:
        raise TableError(f"表头错误：{'; '.join(problems)}。应为：{','.join(headers)}")


def _read_csv(data: bytes, max_rows: int) -> list[list[object]]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel on Chinese Windows saves CSV in the ANSI code page (GBK ⊂ GB18030).
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise TableError("无法识别文件编码：请另存为 UTF-8 或 GB18030 编码的 CSV") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _bounded(reader, max_rows)
    except csv.Error:  # e.g. a cell over the csv module's field size limit
        raise TableError(f"第 {reader.line_num} 行无法读取（单元格过长或引号不配对）") from None


def _read_xlsx(data: bytes, max_rows: int) -> list[list[object]]:
    import openpyxl  # only XLSX needs it

    # A file uploaded in the console may be anything: whatever openpyxl trips over (a broken zip,
    # XML or sheet) is a file that cannot be read, never a server error.
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure to parse: see above
        raise TableError(f"无法打开 Excel 文件：{type(exc).__name__}") from None
    try:
        # The first sheet, not the active one: which sheet was last viewed is not a choice.
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the file's <dimension> is a claim, not a size to allocate
        rows = sheet.iter_rows(max_col=MAX_COLS + 1, values_only=True)
        return _bounded(rows, max_rows)
    except TableError:
        raise
    except Exception as exc:  # as above, for a sheet read lazily
        raise TableError(f"无法读取 Excel 文件：{type(exc).__name__}") from None
    finally:
        book.close()  # read-only mode keeps the file open until closed


def cell_text(value: object) -> str:
    """A cell as trimmed text; spreadsheet numbers and dates become what the user typed."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone and member numbers typed as numbers
    return str(value).strip()
