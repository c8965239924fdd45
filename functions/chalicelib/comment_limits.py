"""How often a member may post, and which requests she already made: one item per member-day.

Counting a post against this minute's and today's limits and recording its request id (so a
retry returns the comment it made) is ONE conditional UpdateItem on the member's day item
(`CommentLimit` "<member>#d<day>"): the request attribute must not exist, today's count must be
under the day's limit, and this minute's count under the minute's — either the stored minute is
this one (add to it) or it is older (start it at 1). Parallel posts serialise on that one item,
so the limits are exact; nothing is read first. Before, the same took three items of a
transaction (six write units).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from . import clock
from .errors import busy
from .models import CommentLimit
from .models.base import connection

REQUEST = "r:"  # "r:<request id>" = "<slug>#<comment id>"
KEEP_SECONDS = 2 * 86400  # a day item (and its requests) outlives its day by a day
GRACE = timedelta(minutes=10)  # after midnight, a count also checks yesterday's requests
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Refused:
    """Why a post was not counted: "minute" or "day", and the seconds until that window ends."""

    window: str
    retry_after: int


def _key(member_no: str, day: str) -> dict[str, Any]:
    return {"key": {"S": f"{member_no}#d{day}"}}


def _get(member_no: str, day: str) -> dict[str, Any]:
    raw = connection().dispatch(
        "GetItem",
        {
            "TableName": CommentLimit.Meta.table_name,
            "Key": _key(member_no, day),
            "ConsistentRead": True,
        },
    )
    return raw.get("Item") or {}


def made_before(member_no: str, request_id: str) -> str | None:
    """The "<slug>#<comment id>" a request made today or yesterday (a retry after midnight), or
    None: one BatchGetItem of the two day items, only the request's attribute."""
    today = clock.today()
    keys = [_key(member_no, d.isoformat()) for d in (today, today - timedelta(days=1))]
    request: dict[str, Any] = {
        CommentLimit.Meta.table_name: {
            "Keys": keys,
            "ProjectionExpression": "#r",
            "ExpressionAttributeNames": {"#r": REQUEST + request_id},
            "ConsistentRead": True,
        }
    }
    found: list[dict[str, Any]] = []
    while request:
        raw = connection().dispatch("BatchGetItem", {"RequestItems": request})
        found += raw.get("Responses", {}).get(CommentLimit.Meta.table_name, [])
        request = raw.get("UnprocessedKeys") or {}
    for item in found:
        if REQUEST + request_id in item:
            return item[REQUEST + request_id]["S"]
    return None


def count(
    member_no: str, request_id: str, ref: str, per_minute: int, per_day: int
) -> str | Refused | None:
    """Count a post and record `ref` for its request. None: counted now; a str: the ref the
    request recorded before (a retry); Refused: a limit is reached (nothing was written)."""
    local = clock.local_now()
    day = local.date().isoformat()
    minute = f"{local:%Y%m%d%H%M}"
    expires = int(clock.now() + KEEP_SECONDS)
    names = {"#r": REQUEST + request_id, "#m": "minute", "#mc": "minute_count", "#dc": "count"}
    values = {
        ":m": {"S": minute},
        ":ref": {"S": ref},
        ":one": {"N": "1"},
        ":zero": {"N": "0"},
        ":ml": {"N": str(per_minute)},
        ":dl": {"N": str(per_day)},
        ":exp": {"N": str(expires)},
    }
    same_minute = (
        "SET #mc = #mc + :one, #dc = #dc + :one, #r = :ref, expires_at = :exp",
        "#m = :m AND #mc < :ml AND #dc < :dl AND attribute_not_exists(#r)",
    )
    new_minute = (
        "SET #m = :m, #mc = :one, #dc = if_not_exists(#dc, :zero) + :one, #r = :ref,"
        " expires_at = :exp",
        "(attribute_not_exists(#m) OR #m < :m) AND (attribute_not_exists(#dc) OR #dc < :dl)"
        " AND attribute_not_exists(#r)",
    )
    # Just after midnight the request may have been recorded yesterday by an attempt that was
    # still writing when made_before looked: the count then also checks yesterday's item, in one
    # transaction (dearer, for the first minutes of a day only).
    since_midnight = local - datetime.combine(local.date(), datetime.min.time(), clock.TZ)
    yesterday = (local.date() - timedelta(days=1)).isoformat() if since_midnight < GRACE else None
    for _ in range(MAX_ATTEMPTS):
        for update, condition in (same_minute, new_minute):
            change = {
                "TableName": CommentLimit.Meta.table_name,
                "Key": _key(member_no, day),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                # DynamoDB refuses values an expression does not use
                "ExpressionAttributeValues": {
                    k: v for k, v in values.items() if k in update or k in condition
                },
            }
            try:
                if yesterday is None:
                    connection().dispatch("UpdateItem", change)
                else:
                    connection().dispatch(
                        "TransactWriteItems",
                        {
                            "TransactItems": [
                                {
                                    "ConditionCheck": {
                                        "TableName": CommentLimit.Meta.table_name,
                                        "Key": _key(member_no, yesterday),
                                        "ConditionExpression": "attribute_not_exists(#r)",
                                        "ExpressionAttributeNames": {"#r": names["#r"]},
                                    }
                                },
                                {"Update": change},
                            ]
                        },
                    )
                return None
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code == "TransactionCanceledException":
                    reasons = [
                        r.code if r else None for r in getattr(exc, "cancellation_reasons", [])
                    ]
                    if reasons and reasons[0] == "ConditionalCheckFailed":
                        earlier = _get(member_no, yesterday or day).get(names["#r"])
                        if earlier:
                            return earlier["S"]
                    if "ConditionalCheckFailed" not in reasons:
                        raise busy() from None  # a conflict: the phone's retry decides
                elif code != "ConditionalCheckFailedException":
                    raise
        item = _get(member_no, day)
        if REQUEST + request_id in item:
            return item[REQUEST + request_id]["S"]
        if int(item.get("count", {"N": "0"})["N"]) >= per_day:
            midnight = datetime.combine(
                local.date() + timedelta(days=1), datetime.min.time(), clock.TZ
            )
            return Refused("day", max(1, int((midnight - local).total_seconds())))
        stored = item.get("minute", {}).get("S", "")
        if stored > minute:
            # A parallel post wrote a later minute (its clock read after ours): this post
            # counts in that minute, never setting the minute back.
            minute = stored
            values[":m"] = {"S": minute}
            continue
        if stored == minute and int(item["minute_count"]["N"]) >= per_minute:
            return Refused("minute", 60 - local.second)
        # Neither condition held when tried, yet no limit is reached now: a parallel post
        # changed the minute between the two tries. Try again.
    raise busy()
