"""Console tables as XLSX (openpyxl): the one way a console route answers `?format=xlsx`.

A route calls `wanted(request)` (json or xlsx; xlsx needs `Accept: <XLSX>` because Chalice
base64-encodes a binary body only when the request accepts its type), builds its rows, and
returns `response(...)`. Every text cell is written as text, never a formula (a name or a
comment starting with "=" is data). openpyxl is imported only when a workbook is made, not at
the API's cold start."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any
from urllib.parse import quote

from chalice import Response
from chalice.app import Request

from . import web
from .errors import BadRequestError, PayloadTooLargeError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOO_LARGE = "表格过大，无法一次导出，请缩小范围"


def wanted(request: Request) -> str:
    """ "json" or "xlsx" from `?format=`; a 400 for anything else or a missing Accept."""
    fmt = (request.query_params or {}).get("format") or "json"
    if fmt not in ("json", "xlsx"):
        raise BadRequestError("format 须为 json 或 xlsx")
    if fmt == "xlsx" and XLSX not in (request.headers.get("accept") or ""):
        raise BadRequestError(f"下载 Excel 时请求头 Accept 须为 {XLSX}")
    return fmt


def content_disposition(name: str, fallback: str) -> str:
    """An attachment with a Chinese name (RFC 5987 `filename*`) and an ASCII fallback (a
    header is Latin-1: anything else in the fallback would fail the response, so it goes)."""
    fallback = "".join(c for c in fallback if c.isascii() and c.isprintable() and c not in '"\\')
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def workbook(
    title: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[dict[str, Any]],
    notes: Sequence[str] = (),
    sheet: str = "数据",
) -> bytes:
    """One sheet: the title in row 1, `notes` below it, then a header row of the columns'
    labels and one row per dict (`columns` is [(key, label)]; a missing key is an empty cell,
    a list is joined with "、")."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    _put(ws, 1, 1, title).font = Font(bold=True, size=14)
    row = 2
    for note in notes:
        _put(ws, row, 1, note)
        row += 1
    row += 1 if notes else 0
    for col, (_, label) in enumerate(columns, 1):
        _put(ws, row, col, label).font = Font(bold=True)
        ws.column_dimensions[ws.cell(row=row, column=col).column_letter].width = max(
            10, min(40, 2 * len(label) + 4)
        )
    ws.freeze_panes = ws.cell(row=row + 1, column=1)
    for data in rows:
        row += 1
        for col, (key, _) in enumerate(columns, 1):
            _put(ws, row, col, data.get(key))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def response(body: bytes, name: str, fallback: str) -> Response:
    """The workbook as a download (`name` is the Chinese file name, `fallback` an ASCII one)."""
    if len(body) * 4 // 3 > web.LARGE_BODY_LIMIT:  # base64 through API Gateway
        raise PayloadTooLargeError(TOO_LARGE)
    return Response(
        body=body,
        status_code=200,
        headers={
            "Content-Type": XLSX,
            "Content-Disposition": content_disposition(name, fallback),
            "Cache-Control": "no-store",
        },
    )


def _put(ws: Any, row: int, col: int, value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        value = "、".join(str(v) for v in value)
    if isinstance(value, str):
        # Control characters a stored text may still hold (an old import) would make openpyxl
        # refuse the whole workbook: they are dropped from the cell, not the export.
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(cell.value, str):
        cell.data_type = "s"  # text stays text, never a formula (formula injection)
    return cell
