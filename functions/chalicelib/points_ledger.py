"""The points ledger's day items, read and written through the low-level client.

A member's day is one item of `point-days` (models.points.PointDay) whose lines are attributes
named after their ledger keys: adding a line is one conditional UpdateItem — the line must not be
there yet, and the rule's counter on the same item must leave room under the daily cap — which is
what makes an award unique for the day and the cap exact under parallel requests, at one write.
PynamoDB models cannot name attributes at run time, so this module speaks DynamoDB's own
expressions through the models' shared connection; everything else reads the `Day` it returns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from botocore.exceptions import ClientError

from .models import PointDay
from .models.base import condition_failed, connection
from .points_rules import RULES

LINE = "L:"  # "L:<ledger key>": {"a": points, "t": ms since the epoch, "n": note}
CAP = "c:"  # "c:<rule>": points of the rule awarded that day (gross: reversals do not lower it)
REVERSAL = "#reversal"


@dataclass(frozen=True)
class Line:
    key: str
    amount: int
    at_ms: int
    note: str | None
    day: str = ""  # the day item it is on (set when read)

    @property
    def rule(self) -> str:
        return self.key.split("#", 1)[0]

    @property
    def reversal(self) -> bool:
        return self.key.endswith(REVERSAL)

    @property
    def object_id(self) -> str:
        return object_of(self.key)


def object_of(key: str) -> str:
    """The object a ledger key names (`points.ledger_key` the other way, reversals included)."""
    if key.endswith(REVERSAL):
        key = key[: -len(REVERSAL)]
    rule, _, rest = key.partition("#")
    if rule in RULES and RULES[rule].unique == "object_day":
        rest = rest.rsplit("#", 1)[0]
    return rest


@dataclass
class Day:
    member_no: str
    day: str
    version: int = 0
    lines: dict[str, Line] = field(default_factory=dict)
    caps: dict[str, int] = field(default_factory=dict)

    def by_rule(self) -> dict[str, int]:
        """The day's net points per rule: the sum of its lines."""
        out: dict[str, int] = defaultdict(int)
        for line in self.lines.values():
            out[line.rule] += line.amount
        return dict(out)


class CapReached(Exception):  # noqa: N818 - a state, not an error
    def __init__(self, used: int) -> None:
        super().__init__(f"daily cap reached ({used} used)")
        self.used = used


class LineExists(Exception):  # noqa: N818 - a state, not an error
    def __init__(self, line: Line) -> None:
        super().__init__(f"line {line.key} exists")
        self.line = line


def _connection() -> Any:
    return connection()


def _table() -> str:
    return PointDay.Meta.table_name


def _key(member_no: str, day: str) -> dict[str, Any]:
    return {"member_no": {"S": member_no}, "day": {"S": day}}


def _number(value: dict[str, Any]) -> int:
    return int(value["N"])


def parse(raw: dict[str, Any]) -> Day:
    """A day item as DynamoDB returns it (a stream image has the same shape)."""
    day = Day(raw["member_no"]["S"], raw["day"]["S"], _number(raw["v"]) if "v" in raw else 0)
    for name, value in raw.items():
        if name.startswith(LINE):
            m = value["M"]
            key = name[len(LINE) :]
            note = m["n"]["S"] if "n" in m else None
            day.lines[key] = Line(key, _number(m["a"]), _number(m["t"]), note, day.day)
        elif name.startswith(CAP):
            day.caps[name[len(CAP) :]] = _number(value)
    return day


def get(member_no: str, day: str) -> Day:
    """The day, read strongly consistent (an empty Day if nothing was written that day)."""
    raw = _connection().dispatch(
        "GetItem",
        {"TableName": _table(), "Key": _key(member_no, day), "ConsistentRead": True},
    )
    return parse(raw["Item"]) if raw.get("Item") else Day(member_no, day)


def add_line(
    member_no: str,
    day: str,
    line: Line,
    *,
    cap: int | None = None,
) -> None:
    """Add `line` to the day, counting it against the rule's daily `cap` (points) when given.

    Raises LineExists (the key is on that day already: a retry or a parallel twin) or CapReached
    (the line would cross the cap); either way nothing was written."""
    names = {"#l": LINE + line.key, "#v": "v"}
    values: dict[str, Any] = {
        ":line": {"M": _line_value(line)},
        ":zero": {"N": "0"},
        ":one": {"N": "1"},
    }
    update = "SET #l = :line, #v = if_not_exists(#v, :zero) + :one"
    condition = "attribute_not_exists(#l)"
    if cap is not None:
        names["#c"] = CAP + line.rule
        values[":amount"] = {"N": str(line.amount)}
        values[":max"] = {"N": str(cap - line.amount)}
        update += " ADD #c :amount"
        condition += " AND (attribute_not_exists(#c) OR #c <= :max)"
    try:
        _connection().dispatch(
            "UpdateItem",
            {
                "TableName": _table(),
                "Key": _key(member_no, day),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            },
        )
    except ClientError as exc:
        if not condition_failed(exc):
            raise
        now = get(member_no, day)
        if line.key in now.lines:
            raise LineExists(now.lines[line.key]) from None
        raise CapReached(now.caps.get(line.rule, 0)) from None


def _line_value(line: Line) -> dict[str, Any]:
    out: dict[str, Any] = {"a": {"N": str(line.amount)}, "t": {"N": str(line.at_ms)}}
    if line.note:
        out["n"] = {"S": line.note}
    return out


def has_line(member_no: str, day: str, key: str) -> Line | None:
    """One line of a day (strongly consistent), or None."""
    raw = _connection().dispatch(
        "GetItem",
        {
            "TableName": _table(),
            "Key": _key(member_no, day),
            "ConsistentRead": True,
            "ProjectionExpression": "#k, #d, #l",
            "ExpressionAttributeNames": {"#k": "member_no", "#d": "day", "#l": LINE + key},
        },
    )
    item = raw.get("Item")
    return parse(item).lines.get(key) if item else None


def days(
    member_no: str,
    *,
    since: str | None = None,
    until: str | None = None,
    newest_first: bool = False,
    limit: int | None = None,
    consistent: bool = True,
) -> list[Day]:
    """The member's days between `since` and `until` (inclusive, YYYY-MM-DD), one Query a page."""
    names = {"#k": "member_no"}
    values: dict[str, Any] = {":m": {"S": member_no}}
    condition = "#k = :m"
    if since or until:
        names["#d"] = "day"
        values[":a"] = {"S": since or "0000-00-00"}
        values[":b"] = {"S": until or "9999-99-99"}
        condition += " AND #d BETWEEN :a AND :b"
    request: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ConsistentRead": consistent,
        "ScanIndexForward": not newest_first,
    }
    if limit:
        request["Limit"] = limit
    out: list[Day] = []
    while True:
        raw = _connection().dispatch("Query", request)
        out += [parse(item) for item in raw.get("Items", [])]
        start = raw.get("LastEvaluatedKey")
        if not start or (limit and len(out) >= limit):
            return out[:limit] if limit else out
        request["ExclusiveStartKey"] = start


def already(member_no: str, day: str, key: str, forever_key: str | None) -> tuple[bool, bool]:
    """Does the day have the line `key`, and is the for-ever `forever_key` awarded (its claim
    names another day, or this day has its line)? One BatchGetItem of the day and the claim.

    A claim of yesterday (an award just before midnight, or one whose request died between its
    claim and its line) is checked against that day's line; older claims count as awarded
    (a line follows its claim within seconds; `points.award` would take an orphan over)."""
    from .models import PointClaim

    claims = PointClaim.Meta.table_name
    names = {"#k": "member_no", "#d": "day", "#l": LINE + key}
    projection = "#k, #d, #l"
    if forever_key:
        names["#f"] = LINE + forever_key
        projection += ", #f"
    request: dict[str, Any] = {
        _table(): {
            "Keys": [_key(member_no, day)],
            "ProjectionExpression": projection,
            "ExpressionAttributeNames": names,
            "ConsistentRead": True,
        }
    }
    if forever_key:
        request[claims] = {
            "Keys": [{"member_no": {"S": member_no}, "key": {"S": forever_key}}],
            "ProjectionExpression": "#d",
            "ExpressionAttributeNames": {"#d": "day"},
            "ConsistentRead": True,
        }
    found: dict[str, list[dict[str, Any]]] = {}
    while request:
        raw = _connection().dispatch("BatchGetItem", {"RequestItems": request})
        for table, items in raw.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = raw.get("UnprocessedKeys") or {}
    today = found.get(_table(), [{}])[0] if found.get(_table()) else {}
    claim = found.get(claims, [])
    forever = False
    if forever_key and claim:
        held = claim[0]["day"]["S"]
        if held == day:
            forever = (LINE + forever_key) in today
        elif held == (date.fromisoformat(day) - timedelta(days=1)).isoformat():
            forever = has_line(member_no, held, forever_key) is not None
        else:
            forever = True
    return (LINE + key) in today, forever
