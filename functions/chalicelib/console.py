"""The 党务工作台's read API (docs: /work/notes/console-contract.md and README "Dashboards,
drill-down and comparison"): the caller's scope roots, a unit's dashboard, its series over time,
its member structure and data-quality problems, and the staff view of one member.

Every function takes the caller and does the one scope check itself (scope.py): a unit or member
out of scope answers exactly like an unknown one (403, the same message); a member without a
staff role is refused. Figures come from the precompute job's items (`console_job`): a
dashboard is one GetItem of the unit (its path, for the scope check) and one BatchGetItem of
three small items, plus two bounded count Queries (待审核, 待处理评论) like the home page's to-do
— never a Scan.
"""

from __future__ import annotations

from typing import Any

from . import console_figures as cf
from . import console_periods, points_figures, points_ledger, scope
from .console_figures import DIGEST_UNIT, unpack
from .errors import BadRequestError, ForbiddenError
from .identifiers import is_member_no, is_slug, is_unit_id
from .member_structure import view as structure_view
from .models import (
    Attendance,
    CatalogItem,
    Comment,
    ConsoleFigure,
    Member,
    OrgUnit,
    PointTotal,
    ReviewItem,
)
from .points_rules import RULES
from .today import TODO_LIMIT

STAFF_ONLY = "仅党务工作人员可使用工作台"
LOG_LIMIT = 200


def _refuse() -> ForbiddenError:
    """The one answer for a unit or member out of scope or unknown."""
    try:
        scope.require_unit(scope.Caller("", (), (), ()), ())
    except ForbiddenError as exc:
        return exc
    raise AssertionError("unreachable")


def require_staff(caller: scope.Caller) -> dict[str, scope.Access]:
    held = {u: a for u, a in scope.grants(caller).items() if a != "none"}
    if not held:
        raise ForbiddenError(STAFF_ONLY)
    return held


def _unit(caller: scope.Caller, unit_id: str) -> OrgUnit:
    """The unit, if the caller may read it (403 otherwise, unknown alike)."""
    require_staff(caller)
    if not is_unit_id(unit_id):
        raise _refuse()
    try:
        unit = OrgUnit.get(unit_id)
    except OrgUnit.DoesNotExist:
        raise _refuse() from None
    if scope.unit_access(caller, unit.path) == "none":
        raise _refuse()
    return unit


def _items(unit_id: str, views: list[str]) -> tuple[dict[str, Any], int | None]:
    """The unit's stored views (missing ones empty) and when the job last ran."""
    keys = [(unit_id, v) for v in views] + [(DIGEST_UNIT, "run")]
    found: dict[str, Any] = {}
    computed_at = None
    for item in ConsoleFigure.batch_get(keys):
        if item.unit_id == DIGEST_UNIT:
            computed_at = int(item.computed_at)
        else:
            found[item.view] = unpack(item.data)
    return found, computed_at


def units(caller: scope.Caller) -> dict[str, Any]:
    """The roots of the caller's scope: the top units she manages or reads."""
    held = require_staff(caller)
    roots = []
    for unit_id in caller.path:
        if unit_id in held and not any(
            p in held for p in caller.path[: caller.path.index(unit_id)]
        ):
            roots.append(unit_id)
    found = {u.unit_id: u for u in OrgUnit.batch_get(roots)} if roots else {}
    out = [
        {
            "id": u,
            "name": found[u].name,
            "kind": found[u].kind,
            "access": scope.unit_access(caller, found[u].path),
        }
        for u in roots
        if u in found
    ]
    return {"units": out, "default": out[0]["id"] if out else None}


def _trail(caller: scope.Caller, unit: OrgUnit, names: dict[str, str]) -> list[dict[str, str]]:
    path = list(unit.path)
    start = next(
        (i for i in range(len(path)) if scope.unit_access(caller, path[: i + 1]) != "none"),
        len(path) - 1,
    )
    shown = path[start:]
    missing = [u for u in shown if u not in names]
    if missing:  # a unit made since the job's last run has no "now" item yet: one BatchGet
        names = {**names, **{u.unit_id: u.name for u in OrgUnit.batch_get(missing)}}
    return [{"id": u, "name": names.get(u, u)} for u in shown]


def _period_row(data: dict[str, Any], key: str, which: list[Any] | None) -> list[Any] | None:
    if not data or which is None or key not in data.get("periods", []):
        return None
    return which[data["periods"].index(key)]


def _figures(
    now: dict[str, Any] | None, data: dict[str, Any], row: list[Any] | None
) -> dict[str, Any]:
    base = dict.fromkeys(cf.NOW_FIELDS, 0)
    base["quiz_avg_score"] = None
    base.update(now or {})
    members = int(base["members"])
    if row is None:
        row = [0] * len(cf.PERIOD_FIELDS) + [[members] + [0] * (len(cf.BANDS) - 1)]
    fields = data.get("fields") or [*cf.PERIOD_FIELDS, "points_bands"]
    return {**base, **cf.period_figures({"fields": fields}, row, members)}


def _flat(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figures.items() if k not in ("points_bands", "pending")}


def _pending(unit: OrgUnit, stored: dict[str, Any]) -> dict[str, Any]:
    """待审核 and 待处理评论 in the unit's subtree (bounded count Queries at view time), the
    overdue meetings and unpaid dues as the job counted them."""
    root, prefix = unit.path[0], "/".join(unit.path) + "/"
    reviews = ReviewItem.pending.count(
        root, ReviewItem.pending_path.startswith(prefix), limit=TODO_LIMIT + 1
    )
    held = Comment.moderation.count(
        f"open#{root}", Comment.mod_path.startswith(prefix), limit=TODO_LIMIT + 1
    )
    return {
        "reviews": min(reviews, TODO_LIMIT),
        "held_comments": min(held, TODO_LIMIT),
        "meetings_overdue": int(stored.get("meetings_overdue", 0)),
        "dues_unpaid": int(stored.get("dues_unpaid", 0)),
    }


def _labels() -> dict[str, str]:
    return {**cf.LABELS, "points_bands": "积分分布"}


def dashboard(caller: scope.Caller, unit_id: str, period_text: str | None) -> dict[str, Any]:
    unit = _unit(caller, unit_id)
    period = _period(period_text)
    view = f"{period.year}#{period.kind}"
    found, computed_at = _items(unit_id, ["now", view])
    now = found.get("now") or {}
    data = found.get(view) or {}
    names = {p: n for p, n in now.get("path", [])}
    figures = _figures(now.get("figures"), data, _period_row(data, period.key, data.get("own")))
    figures["pending"] = _pending(unit, now.get("pending") or {})
    children = []
    for kid in now.get("children", []):
        rows = (data.get("children") or {}).get(kid["id"])
        kid_figures = _figures(kid["figures"], data, _period_row(data, period.key, rows))
        children.append(
            {
                "id": kid["id"],
                "name": kid["name"],
                "kind": kid["kind"],
                "figures": _flat(kid_figures),
            }
        )
    out: dict[str, Any] = {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "trail": _trail(caller, unit, {**names, unit.unit_id: unit.name}),
        "period": period.view(),
        "computed_at": computed_at,
        "figure_labels": _labels(),
        "pending_labels": cf.PENDING_LABELS,
        "member_labels": cf.MEMBER_LABELS,
        "figures": figures,
        "children": children,
    }
    if unit.kind == "branch":
        out["members"] = _member_rows(now, data, period.key)
    return out


def _member_rows(now: dict[str, Any], data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows = []
    for member_no, name, status in now.get("roster", []):
        v = ((data.get("members") or {}).get(member_no) or {}).get(key) or [0, 0, 0, 0, 0]
        rows.append(
            {
                "member_no": member_no,
                "name": name,
                "status": cf.STATUS_LABELS.get(status, status),
                "points": v[0],
                "reads": v[1],
                "constitution": v[2],
                "quiz": v[3],
                "active_days": v[4],
            }
        )
    return rows


def _period(text: str | None) -> console_periods.Period:
    period = console_periods.current() if not text else console_periods.parse(text)
    _check_year(period.year, console_periods.FIELD)
    # Each kind stops at its own current period: on Monday 30 November the week runs into
    # December, yet December has not begun.
    if period.start > console_periods.clock.today():
        raise BadRequestError(f"{console_periods.FIELD}：{period.label}尚未开始")
    return period


def _check_year(year: int, field: str) -> None:
    this = console_periods.clock.today().year
    if year not in (this - 1, this):
        raise BadRequestError(f"{field}：只保留今年和去年的统计（{this - 1}、{this}）")


def series(
    caller: scope.Caller, unit_id: str, kind_text: str | None, year_text: str | None
) -> dict[str, Any]:
    unit = _unit(caller, unit_id)
    kind = console_periods.parse_kind(kind_text)
    year = console_periods.parse_year(year_text)
    _check_year(year, "年份")
    view = f"{year}#{kind}"
    found, computed_at = _items(unit_id, ["now", view])
    now = found.get("now") or {}
    data = found.get(view) or {}
    today = console_periods.clock.today()
    periods = [p for p in console_periods.of_year(year, kind) if p.start <= today]

    def over_time(now_figures: dict[str, Any] | None, rows: list[Any] | None) -> list[Any]:
        return [
            {
                "key": p.key,
                "label": p.label,
                "figures": _flat(_figures(now_figures, data, _period_row(data, p.key, rows))),
            }
            for p in periods
        ]

    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "kind": kind,
        "year": year,
        "computed_at": computed_at,
        "figure_labels": cf.LABELS,
        "periods": over_time(now.get("figures"), data.get("own")),
        "children": [
            {
                "id": kid["id"],
                "name": kid["name"],
                "periods": over_time(kid["figures"], (data.get("children") or {}).get(kid["id"])),
            }
            for kid in now.get("children", [])
        ],
    }


def structure(caller: scope.Caller, unit_id: str) -> dict[str, Any]:
    unit = _unit(caller, unit_id)
    found, computed_at = _items(unit_id, ["now"])
    now = found.get("now") or {}
    counted = now.get("structure") or {}
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "computed_at": computed_at,
        "total": int((now.get("figures") or {}).get("members", 0)),
        "dimensions": structure_view(counted),
        "children": [
            {
                "id": kid["id"],
                "name": kid["name"],
                "total": int(kid["figures"].get("members", 0)),
                "dimensions": structure_view(kid.get("structure") or {}),
            }
            for kid in now.get("children", [])
        ],
    }


def quality(caller: scope.Caller, unit_id: str) -> dict[str, Any]:
    unit = _unit(caller, unit_id)
    found, computed_at = _items(unit_id, ["quality"])
    stored = found.get("quality") or {}
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "computed_at": computed_at,
        "total": int(stored.get("total", 0)),
        "problems": stored.get("problems", []),
    }


# --- the staff view of one member ------------------------------------------------------------


def _member(caller: scope.Caller, member_no: str) -> tuple[Member, OrgUnit]:
    require_staff(caller)
    if not is_member_no(member_no):
        raise _refuse()
    try:
        member = Member.get(member_no)
        branch = OrgUnit.get(member.branch_id)
    except (Member.DoesNotExist, OrgUnit.DoesNotExist):
        raise _refuse() from None
    # Staff over her branch only: her own record is 我的党建's, not the console's.
    if scope.unit_access(caller, branch.path) == "none":
        raise _refuse()
    return member, branch


def _log(member_no: str, year: int, limit: int | None) -> tuple[list[dict[str, Any]], bool]:
    """Her ledger lines of the year, newest first: at most `limit` (and whether older ones were
    left out), or the whole year with None — Queries of 31 days, at most 12 for a year."""
    out: list[dict[str, Any]] = []
    until = f"{year:04d}-12-31"
    while limit is None or len(out) <= limit:
        days = points_ledger.days(
            member_no,
            since=f"{year:04d}-01-01",
            until=until,
            newest_first=True,
            limit=31,
            consistent=False,
        )
        for d in days:
            for line in sorted(d.lines.values(), key=lambda ln: -ln.at_ms):
                if line.amount:
                    out.append(
                        {
                            "day": d.day,
                            "rule": line.rule,
                            "label": RULES[line.rule].label if line.rule in RULES else line.rule,
                            "points": line.amount,
                            "object": line.object_id,
                            "note": line.note,
                        }
                    )
        if len(days) < 31:
            break
        until = _day_before(days[-1].day)
    out = out if limit is None else out[: limit + 1]
    _label_objects(out)
    if limit is None:
        return out, False
    return out[:limit], len(out) > limit


_CATALOG_RULES = ("article_read", "constitution_read", "vote")


def _label_objects(rows: list[dict[str, Any]]) -> None:
    """对象 in Chinese: the line's note (a meeting's, an activity's topic), the article's title
    from the catalog (one BatchGet of the distinct slugs), 登录, 政治生日; else the id."""
    slugs = sorted(
        {r["object"] for r in rows if r["rule"] in _CATALOG_RULES and is_slug(r["object"])}
    )
    titles: dict[str, str] = {}
    for i in range(0, len(slugs), 100):
        titles.update({c.slug: str(c.title) for c in CatalogItem.batch_get(slugs[i : i + 100])})
    for r in rows:
        note, obj = r.pop("note", None), r["object"]
        if r["rule"] == "daily_login":
            r["object"] = "登录"
        elif r["rule"] == "political_birthday":
            r["object"] = f"{obj}年政治生日"
        elif note:
            r["object"] = str(note)
        elif obj in titles:
            r["object"] = titles[obj]


def _day_before(day: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def _attendance(member_no: str, year: int) -> dict[str, int]:
    """Her meetings of the year as an attendee: one keys-only Query, one batch read."""
    now_iso = console_periods.clock.today().isoformat()
    keys = [
        (r.meeting_id, r.member_no)
        for r in Attendance.by_member.query(
            member_no, Attendance.member_sort.between(f"{year:04d}", f"{year:04d}~")
        )
        if r.member_sort[:10] <= now_iso
    ]
    out = {"meetings": 0, "present": 0, "leave": 0, "absent": 0}
    for i in range(0, len(keys), 100):
        for row in Attendance.batch_get(keys[i : i + 100]):
            if row.role != "attendee":
                continue
            out["meetings"] += 1
            out["present"] += bool(row.present)
            out["leave"] += row.leave == "approved" and not row.present
            out["absent"] += bool(row.absent)
    return out


def member_view(
    caller: scope.Caller, member_no: str, year_text: str | None, whole_log: bool = False
) -> dict[str, Any]:
    """The staff view of one member; `log` holds her newest LOG_LIMIT lines of the year
    (`log_more` says older ones were left out), or all of them with `whole_log` (the XLSX)."""
    member, branch = _member(caller, member_no)
    year = console_periods.parse_year(year_text)
    if year < console_periods.FIRST_YEAR or year > console_periods.clock.today().year:
        raise BadRequestError("年份超出范围")
    report = points_figures.year_report(member_no, year)
    found = list(PointTotal.query(member_no, PointTotal.period == f"y{year:04d}"))
    counts = (found[0].counts or {}) if found else {}
    days = (found[0].days or {}) if found else {}

    log, more = _log(member_no, year, None if whole_log else LOG_LIMIT)

    def lines(rules: tuple[str, ...]) -> int:
        return sum(int(c.get(r, 0)) for c in counts.values() for r in rules)

    return {
        "member": {
            "member_no": member.member_no,
            "name": member.name,
            "branch": {"id": branch.unit_id, "name": branch.name},
            "status": member.status,
            "status_label": cf.STATUS_LABELS.get(member.status, member.status),
            "joined_on": member.joined_on,
            "roles": list(member.roles or []),
            "gender": member.gender,
            "birth_date": member.birth_date,
            "education": member.education,
            "occupation": member.occupation,
            "active": bool(member.active),
        },
        "study": {
            "reads": lines(("article_read",)),
            "constitution": lines(("constitution_read",)),
            "quiz_participations": lines(cf.QUIZ_RULES),
            "active_days": sum(len(v) for v in days.values()),
        },
        "points": {
            "year": year,
            "total": report["points"],
            "months": {m["month"][5:]: m["points"] for m in report["months"]},
            "rules": {
                r["key"]: {"label": r["label"], "points": r["points"]} for r in report["rules"]
            },
        },
        "log": log,
        "log_limit": None if whole_log else LOG_LIMIT,
        "log_more": more,
        "attendance": _attendance(member_no, year),
    }
