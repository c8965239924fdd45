"""Routes of personal data (个人信息保护法): her own data (`GET /me/data`, `?format=file` for the
JSON file), and a departed member's deletion by the 管理员
(`POST /registry/members/{member_no}/erase`). The decisions are in `my_data.py` and
`personal_erase.py`."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from . import my_data, personal_erase, registry, web
from .errors import BadRequestError
from .models import Member
from .web import Field
from .xlsx_export import content_disposition

bp = Blueprint(__name__)
TOO_LARGE = "数据过多，无法一次下载，请联系组织的管理员"


@bp.route("/me/data", methods=["GET"])
@web.signed_in(bp)
def my_data_route(member: Member) -> Response:
    fmt = (bp.current_request.query_params or {}).get("format") or "json"
    if fmt not in ("json", "file"):
        raise BadRequestError("format 须为 json 或 file")
    data = my_data.download(member)
    if fmt == "json":  # UTF-8, not Chalice's escaped JSON (bounded: my_data.BUDGET)
        return web.large_json_response(data, TOO_LARGE)
    text, name = my_data.as_file(data)
    return Response(
        body=text,
        status_code=200,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": content_disposition(f"我的数据-{name[8:]}", name),
            "Cache-Control": "no-store",
        },
    )


@bp.route("/registry/members/{member_no}/erase", methods=["POST"])
@web.signed_in(bp)
@web.body(bp, {"request_key": Field(str, max_chars=64), "confirm": Field(str, max_chars=32)})
def registry_erase(member: Member, member_no: str, *, body: dict[str, Any]) -> Response:
    caller = registry.caller_for(member)
    answer, created = personal_erase.erase(caller, member, member_no, body)
    return web.json_response(answer, status=201 if created else 200)
