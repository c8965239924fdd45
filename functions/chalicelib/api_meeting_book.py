"""Route of the 三会一课 记录 export: a unit's meetings of a period as JSON (the printable page)
or as an XLSX workbook (`?format=xlsx`).

The workbook is a binary body: Chalice base64-encodes it for API Gateway when its Content-Type
is one of `app.api.binary_types` (app.py adds XLSX, and `chalice package` writes the list as the
API's binary media types) and refuses it unless the request's Accept names that type too, so the
page asks for it with `Accept: <XLSX>`; `chalice local` decodes it the same way."""

from __future__ import annotations

from chalice import Blueprint, Response

from . import meeting_book, registry, web
from .errors import BadRequestError, PayloadTooLargeError
from .models import Member

bp = Blueprint(__name__)
XLSX = meeting_book.XLSX  # app.py adds it to the API's binary types
TOO_LARGE = "所选时段的会议记录过多，无法一次导出，请缩短时段（如按季度导出）"


@bp.route("/units/{unit_id}/meeting-book", methods=["GET"])
@web.signed_in(bp)
def meeting_book_export(member: Member, unit_id: str) -> Response:
    query = bp.current_request.query_params or {}
    fmt = query.get("format") or "json"
    if fmt not in ("json", "xlsx"):
        raise BadRequestError("format 须为 json 或 xlsx")
    if fmt == "xlsx" and meeting_book.XLSX not in (bp.current_request.headers.get("accept") or ""):
        raise BadRequestError(f"下载 Excel 时请求头 Accept 须为 {meeting_book.XLSX}")
    caller = registry.caller_for(member)
    data = meeting_book.book(caller, unit_id, query.get("from"), query.get("to"))
    if fmt == "json":
        return web.large_json_response(data, TOO_LARGE)
    period = data["period"]
    fallback = f"meeting-book-{data['unit']['id']}-{period['from']}-{period['to']}.xlsx"
    workbook = meeting_book.workbook(data)
    if len(workbook) * 4 // 3 > web.LARGE_BODY_LIMIT:  # base64 through API Gateway
        raise PayloadTooLargeError(TOO_LARGE)
    return Response(
        body=workbook,
        status_code=200,
        headers={
            "Content-Type": meeting_book.XLSX,
            "Content-Disposition": meeting_book.content_disposition(
                meeting_book.file_name(data), fallback
            ),
            "Cache-Control": "no-store",
        },
    )
