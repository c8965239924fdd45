"""Who a reminder goes to: one plain function per audience, named in reminders.toml.

Each resolver takes the run's `Context` and the reminder's params and yields `Delivery`s (one
recipient and the fields her message's template is filled with). Staff are always found the
same way: the registry's staff partition (Member index `reminders`, key "staff"), each with her
branch's path, asked through the one scope check (`scope.unit_access`) whether she may manage
the unit the work belongs to. Nothing here Scans the members table; the org-units table (a few
hundred small items) is read whole once per run that needs unit paths.

`AUDIENCES` declares every audience: the fields it provides (the loader checks each template
against them), its params with their defaults, and sample values (the loader renders every
template with them to check WeCom's length limits). An audience whose data comes with a later
area has `resolve=None` and says which (`waiting_for`): its reminders are kept in the file,
checked, and reported as waiting, never run, until that area supplies the resolver here.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from . import clock, dues_months, meeting_kinds, points_rules, recruitment
from .dues_collection import yuan
from .models import Comment, Meeting, Member, OrgUnit, ReviewItem, UnitMonth
from .models.recruitment import Recruit
from .models.registry import STAFF_KEY
from .points import anniversary
from .scope import Caller, unit_access

Fields = dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    member_no: str
    fields: Fields
    # The member a message to staff names (her name, her request's text): the deletion of her
    # personal data finds the message by it (outbox.post `about`, the sparse index).
    about: str | None = None


class Context:
    """What one run knows: the moment, and what it read once for all its reminders (the staff,
    the org units)."""

    def __init__(self, moment: datetime) -> None:
        self.now = moment.astimezone(clock.TZ)
        self.day: date = self.now.date()
        self._staff: list[Member] | None = None
        self._units: dict[str, OrgUnit] | None = None
        # A dry run (`make reminders ARGS="run KEY --dry-run"`): resolvers write nothing.
        self.dry_run = False

    def staff(self) -> list[Member]:
        """Every active member with a role (the index's staff partition, projected fields)."""
        if self._staff is None:
            self._staff = [m for m in Member.reminders.query(STAFF_KEY) if m.active]
        return self._staff

    def units(self) -> dict[str, OrgUnit]:
        if self._units is None:
            self._units = {u.unit_id: u for u in OrgUnit.scan()}
        return self._units

    def roots(self) -> list[str]:
        return sorted(uid for uid, u in self.units().items() if not u.parent_id)

    def unit_path(self, unit_id: str, fallback: Iterable[str] = ()) -> tuple[str, ...]:
        """The unit's current path (a moved unit is reviewed by its new superiors, as in
        review._authorise); the recorded one if the unit is gone."""
        unit = self.units().get(unit_id)
        return tuple(unit.path) if unit is not None else tuple(fallback)

    def managers_of(self, path: tuple[str, ...]) -> list[str]:
        """Active staff who may manage (review, moderate) the unit with this path."""
        out = []
        for member in self.staff():
            branch = self.units().get(member.branch_id)
            if branch is None or not path:
                continue
            caller = Caller(
                member_no=member.member_no,
                path=tuple(branch.path),
                path_kinds=tuple(branch.path_kinds),
                roles=tuple(member.roles or ()),
            )
            if unit_access(caller, path) == "manage":
                out.append(member.member_no)
        return out


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- 政治生日 -----------------------------------------------------------------------------------


def political_birthday(ctx: Context, params: Fields) -> Iterator[Delivery]:
    """Active members whose 入党 anniversary is today (29 Feb joiners on 28 Feb in other years):
    the day's index partition (about members/365 items) plus the staff partition."""
    day = ctx.day
    month_days = {f"{day:%m-%d}"}
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        month_days.add("02-29")
    found: dict[str, Member] = {}
    for md in sorted(month_days):
        for member in Member.reminders.query(f"day#{md}"):
            found[member.member_no] = member
    for member in ctx.staff():
        if (member.joined_on or "")[5:] in month_days:
            found[member.member_no] = member
    award = points_rules.RULES["political_birthday"].points
    for member_no, member in sorted(found.items()):
        if not member.active or anniversary(member.joined_on, day.year) != day:
            continue
        joined = date.fromisoformat(member.joined_on)
        yield Delivery(
            member_no,
            {
                "name": member.name,
                "years": day.year - joined.year,
                "joined_on": _cn_date(joined),
                "points": award,
            },
        )


# --- 组织关系转接 -------------------------------------------------------------------------------


def transfer_overdue(ctx: Context, params: Fields) -> Iterator[Delivery]:
    """Both sides' staff (manage over the sending or the receiving branch) of every transfer
    still open after `days` calendar days (transfers.is_overdue: day `days` is in time, the day
    after is not): each root's transfers (one Query), one message per recipient."""
    from .models.transfers import Transfer
    from .transfers import is_overdue, waiting_step

    days = int(params["days"])
    per: dict[str, list[tuple[float, str, str, str]]] = {}
    for root in ctx.roots():
        for t in Transfer.by_org.query(root, filter_condition=Transfer.state == "pending"):
            if not is_overdue(t, ctx.day, days):
                continue
            sides = [
                ctx.unit_path(u, p)
                for u, p in ((t.from_unit, t.from_path), (t.to_unit, t.to_path))
                if u
            ]
            for member_no in dict.fromkeys(m for path in sides for m in ctx.managers_of(path)):
                per.setdefault(member_no, []).append(
                    (t.started_at, t.member_name, waiting_step(t), t.member_no)
                )
    for member_no, found in sorted(per.items()):
        found.sort()
        # One name only (the longest waiting), the one `about` points to.
        first, step, about = found[0][1], found[0][2], found[0][3]
        name = first if len(found) == 1 else f"{first}等{len(found)}名"
        yield Delivery(member_no, {"name": name, "step": step, "days": days}, about)


# --- 审核、评论 ---------------------------------------------------------------------------------


def _per_manager(
    ctx: Context, items: Iterable[tuple[tuple[str, ...], float, str]]
) -> dict[str, list[tuple[float, str]]]:
    """manager → [(age in seconds, title)] of the items (path, age, title) she may manage."""
    per: dict[str, list[tuple[float, str]]] = {}
    cache: dict[tuple[str, ...], list[str]] = {}
    for path, age, title in items:
        if path not in cache:
            cache[path] = ctx.managers_of(path)
        for member_no in cache[path]:
            per.setdefault(member_no, []).append((age, title))
    return per


def review_overdue(ctx: Context, params: Fields) -> Iterator[Delivery]:
    """Reviewers whose scope holds versions pending more than `days` days: each root's pending
    items (the sparse index holds only pending ones), then the scope check per item's unit."""
    days = int(params["days"])
    now = ctx.now.timestamp()
    old = []
    for root in ctx.roots():
        for item in ReviewItem.pending.query(root):
            age = now - datetime.fromisoformat(item.registered_at).timestamp()
            if age > days * 86400:
                recorded = item.pending_path.split("/#")[0].split("/")
                old.append((ctx.unit_path(item.branch_id, recorded), age, item.title))
    for member_no, found in sorted(_per_manager(ctx, old).items()):
        oldest = max(found)
        yield Delivery(
            member_no,
            {"count": len(found), "days": days, "oldest_days": int(oldest[0] // 86400),
             "oldest_title": oldest[1]},
        )  # fmt: skip


def moderation_overdue(ctx: Context, params: Fields) -> Iterator[Delivery]:
    """Reviewers of the branches whose held (or pre-moderation) comments wait more than `hours`
    hours: each root's open moderation queue, then the scope check per comment's branch."""
    hours = int(params["hours"])
    now = ctx.now.timestamp()
    old = []
    for root in ctx.roots():
        for comment in Comment.moderation.query(f"open#{root}"):
            age = now - float(comment.created_at)
            if age > hours * 3600:
                path = ctx.unit_path(comment.branch_id, comment.branch_path)
                old.append((path, age, ""))
    for member_no, found in sorted(_per_manager(ctx, old).items()):
        oldest = max(found)
        yield Delivery(
            member_no,
            {"count": len(found), "hours": hours, "oldest_hours": int(oldest[0] // 3600)},
        )


# --- 主题党日 (issue 14) -----------------------------------------------------------------------


def _several(names: list[str]) -> str:
    """One branch's name, or the first two and how many (one message per recipient)."""
    if len(names) == 1:
        return names[0]
    return f"{'、'.join(names[:2])}等{len(names)}个支部"


def _common_path(paths: list[tuple[str, ...]]) -> list[str]:
    """The path of the nearest unit above (or equal to) all of them."""
    out: list[str] = []
    for ids in zip(*paths, strict=False):
        if len(set(ids)) != 1:
            break
        out.append(ids[0])
    return out


def theme_day_missing(ctx: Context, params: Fields) -> Iterator[Delivery]:
    """On the warned kind's due day (meeting_kinds.toml: the kind with `warn = true`, its
    `due_day`), every unit that must hold it this month and has no locked (recorded) meeting of
    it: a warning to each member who may manage the unit (its secretary, the general branch's
    and committee's staff, the administrators). One message per recipient naming her branches
    (the outbox keeps one message per recipient and day), and the warning marked on each
    branch's month row (UnitMonth.warned_at), which the superiors' month table shows."""
    kind = meeting_kinds.warned_kind()
    month = f"{ctx.day.year:04d}-{ctx.day.month:02d}"
    if kind is None or not kind.planned_in(month) or ctx.day < kind.due_date(month):
        return
    held = {
        m.unit_id
        for m in Meeting.by_month.query(
            month, filter_condition=(Meeting.kind == kind.key) & (Meeting.state == "locked")
        )
    }
    missing = sorted(
        (u for u in ctx.units().values() if u.kind in kind.required_of and u.unit_id not in held),
        key=lambda u: (u.sort_order or 0, u.unit_id),
    )
    per: dict[str, list[OrgUnit]] = {}
    for unit in missing:
        for member_no in ctx.managers_of(tuple(unit.path)):
            per.setdefault(member_no, []).append(unit)
        if not ctx.dry_run:
            _mark_warned(unit, month, ctx.now.timestamp())
    for member_no, units in sorted(per.items()):
        common = _common_path([tuple(u.path) for u in units])
        yield Delivery(
            member_no,
            {
                "branch_name": _several([u.name for u in units]),
                "month": f"{ctx.day.month}月",
                "deadline_day": kind.due_day,
                "unit_id": common[-1] if common else units[0].unit_id,
                "yyyymm": month,
            },
        )


def _mark_warned(unit: OrgUnit, month: str, at: float) -> None:
    """The branch's month row says it was warned (first time only; the row's figures are the
    monthly check's, kept as they are, its identity set if the check has not written it yet)."""
    UnitMonth(unit.unit_id, month).update(
        actions=[
            UnitMonth.warned_at.set(UnitMonth.warned_at | at),
            UnitMonth.unit_name.set(unit.name),
            UnitMonth.unit_kind.set(unit.kind),
            UnitMonth.unit_path.set(list(unit.path)),
            UnitMonth.tree_sort.set("/".join(unit.path) + "/"),
            UnitMonth.computed_at.set(UnitMonth.computed_at | 0),
        ]
    )


def check_theme_day_schedule(every: str, day: int | None) -> str | None:
    """The warning goes out on the warned kind's due day: one deadline, in meeting_kinds.toml."""
    try:
        kind = meeting_kinds.warned_kind()
    except meeting_kinds.KindFileError:
        return "meeting_kinds.toml 有错误，无法核对截止日（运行 make meeting-kinds 查看）"
    if kind is None:
        return None
    if every != "monthly" or day != kind.due_day:
        return (
            f"应为 monthly {kind.due_day} HH:MM：须与 meeting_kinds.toml 中「{kind.label}」的"
            f" due_day（{kind.due_day}）一致（截止日只在那里设置）"
        )
    return None


# --- 党员发展 (issue 15) -----------------------------------------------------------------------


def recruitment_due(ctx: Context, params: Fields) -> Iterator[Delivery]:
    """Staff who may manage the branch of a person in the process with a step due within
    `days_ahead` days or overdue (recruitment_stages.toml's limits): the branch's secretary,
    the general branch's and committee's staff, the administrators. One message per recipient
    (the outbox keeps one per recipient and day): the most urgent person, how many, and the
    nearest unit above all of them (the link's list)."""
    days = int(params["days_ahead"])
    per: dict[str, list[tuple[str, str, str, tuple[str, ...], str]]] = {}
    for root in ctx.roots():
        for person in Recruit.by_tree.query(root):  # each root's people, one Query
            found = recruitment.due_steps(person, ctx.day, days)
            if not found:
                continue
            path = ctx.unit_path(person.branch_id, person.branch_path)
            first = min(found, key=lambda n: n.latest or date.max)
            latest = first.latest.isoformat() if first.latest else ""
            for member_no in ctx.managers_of(path):
                per.setdefault(member_no, []).append(
                    (latest, person.name, first.step.label, path, person.member_no or "")
                )
    for member_no, items in sorted(per.items()):
        items.sort()
        latest, name, step, _, about = items[0]
        common = _common_path([item[3] for item in items])
        yield Delivery(
            member_no,
            {
                "name": name if len(items) == 1 else f"{name}等{len(items)}人",
                "stage": step,
                "due": _cn_date(date.fromisoformat(latest)) if latest else "",
                "count": len(items),
                "unit_id": common[-1] if common else items[0][3][-1],
            },
            about or None,
        )


# --- 党费 (issue 15) ---------------------------------------------------------------------------


def dues_unpaid(ctx: Context, params: Fields) -> Iterator[Delivery]:
    """温馨提示: active members whose dues for this month are not paid in full on the day the
    reminder runs (its schedule is the organisation's "remind after" day), each once a month
    (dues_months.unpaid_for_reminder marks her month row); the amount still lacking."""
    month = f"{ctx.day.year:04d}-{ctx.day.month:02d}"
    for row in dues_months.unpaid_for_reminder(month, ctx.day.isoformat(), dry_run=ctx.dry_run):
        lacking = yuan(row["lacking_fen"])
        fields = {"name": row["name"], "month": f"{ctx.day.month}月", "amount": lacking}
        yield Delivery(row["member_no"], fields)


# --- 诉求 (issue 16) ---------------------------------------------------------------------------


def request_overdue(ctx: Context, params: Fields) -> Iterator[Delivery]:
    """The handling staff (a role applying at the unit a request is routed to now) and the
    staff of the unit above it, for every open request whose current step (受理 or 办理) is past
    its limit (service_requests.is_overdue): each unit's open queue, the overdue part only (one
    Query per unit, by due time). One message per recipient: the most overdue request, never
    one she submitted herself."""
    from .models.service_requests import ServiceRequest
    from .service_requests import current_step, handlers_of, step_hours

    now = ctx.now.timestamp()
    per: dict[str, list[tuple[float, str, str, int, str]]] = {}
    units = ctx.units()
    for unit_id, unit in sorted(units.items()):
        late = list(
            ServiceRequest.queue.query(unit_id, ServiceRequest.due_sort < f"{int(now * 1000):013d}")
        )
        if not late:
            continue
        wanted = {unit_id} | ({unit.parent_id} if unit.parent_id else set())
        for member_no in handlers_of(ctx.staff(), units, wanted):
            for r in late:
                if r.member_no == member_no:
                    continue  # her own request: she does not handle it (nor hear it is late)
                text = r.text.replace("\n", " ")
                title = text if len(text) <= 20 else text[:19] + "…"
                per.setdefault(member_no, []).append(
                    (float(r.due_at or 0), title, current_step(r) or "", step_hours(r), r.member_no)
                )
    for member_no, items in sorted(per.items()):
        items.sort()
        _, title, step, hours, about = items[0]
        yield Delivery(member_no, {"title": title, "step": step, "hours": hours}, about)


# --- 微党课 (issue 19) ---------------------------------------------------------------------------


def lesson_due(ctx: Context, params: Fields) -> Iterator[Delivery]:
    """Active members who have not yet watched a lesson their unit (or one above) asked them to
    watch by the day `days_ahead` days from today: one message each (the lesson due first, and
    how many), linking that lesson (lesson_assignments.not_watched_by)."""
    from datetime import timedelta

    from .lesson_assignments import not_watched_by

    days = int(params["days_ahead"])
    due = ctx.day + timedelta(days=days)
    for member_no, found in sorted(not_watched_by(ctx.units(), due).items()):
        found.sort(key=lambda f: f[0].slug)
        first, url = found[0]
        yield Delivery(
            member_no,
            {
                "title": first.title,
                "count": len(found),
                "due": _cn_date(due),
                "days": days,
                "lesson_path": url.lstrip("/"),
            },
        )


# --- the declarations -------------------------------------------------------------------------

Resolver = Callable[[Context, Fields], Iterable[Delivery]]


@dataclass(frozen=True)
class Audience:
    name: str
    label: str  # who, in words (tools.reminders list)
    sample: Fields  # one value per field it provides (the loader renders templates with them)
    params: Fields = field(default_factory=dict)  # name → default (integers)
    resolve: Resolver | None = None
    waiting_for: str | None = None  # the area that brings its data, while resolve is None
    # (every, day) of the reminder's schedule → a problem in words, or None (the loader asks).
    check_schedule: Callable[[str, int | None], str | None] | None = None

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.sample)


AUDIENCES: dict[str, Audience] = {
    a.name: a
    for a in (
        Audience(
            "political_birthday",
            "今天过政治生日的党员",
            {"name": "欧阳晓明", "years": 25, "joined_on": "2001年7月1日", "points": 5},
            resolve=political_birthday,
        ),
        Audience(
            "review_overdue",
            "待审核内容超时的审核人",
            {"count": 12, "days": 3, "oldest_days": 15, "oldest_title": "长" * 40},
            {"days": 3},
            resolve=review_overdue,
        ),
        Audience(
            "moderation_overdue",
            "评论待处理超时的审核人",
            {"count": 12, "hours": 24, "oldest_hours": 100},
            {"hours": 24},
            resolve=moderation_overdue,
        ),
        # Their data does not exist yet: the areas named bring it, and the resolver with it.
        Audience(
            "theme_day_missing",
            "截止日仍未记录主题党日的支部的书记和管理员（截止日见 meeting_kinds.toml）",
            {
                "branch_name": "第一党支部" * 4 + "、" + "第二党支部" * 4 + "等200个支部",
                "month": "12月",
                "deadline_day": 28,
                "unit_id": "X" * 40,
                "yyyymm": "2026-12",
            },
            resolve=theme_day_missing,
            check_schedule=check_theme_day_schedule,
        ),
        Audience(
            "dues_unpaid",
            "本月党费尚未交纳的党员",
            {"name": "欧阳晓明", "month": "12月", "amount": "12345.67"},
            resolve=dues_unpaid,
        ),
        Audience(
            "transfer_overdue",
            "超过规定时间未办结的组织关系转接的双方经办人",
            {"name": "欧阳晓明", "step": "接收支部确认", "days": 30},
            {"days": 30},
            resolve=transfer_overdue,
        ),
        Audience(
            "recruitment_due",
            "党员发展有环节到期或逾期的支部的书记及上级党组织的管理人员",
            {
                "name": "欧阳晓明等200人",
                "stage": "上级党委审批（接收预备党员）",
                "due": "2027年12月25日",
                "count": 200,
                "unit_id": "X" * 32,
            },
            {"days_ahead": 7},
            resolve=recruitment_due,
        ),
        Audience(
            "lesson_due",
            "截止日前仍未看完单位安排的微党课的党员",
            {
                "title": "长" * 40,
                "count": 12,
                "due": "2027年12月25日",
                "days": 2,
                "lesson_path": "lessons/" + "x" * 60 + ".html",
            },
            {"days_ahead": 2},
            resolve=lesson_due,
        ),
        Audience(
            "request_overdue",
            "诉求办理超时的经办人及其上级",
            {"title": "长" * 20, "step": "受理", "hours": 48},
            resolve=request_overdue,
        ),
    )
}
