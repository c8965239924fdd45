"""微党课 for staff: a unit asks its members (and those of the units below it) to watch a lesson
by a day, and reads who has watched it.

Who acts (through the one scope check, `scope.py`):
- Assigning, changing and withdrawing need `manage` over the unit (its secretary, the staff of a
  unit above it); the figures and the unit's list need `read` (a 支部委员 reads). A unit out of
  scope and an unknown unit get the same 403.
- A member reads her own: the assignments of the units on her path (her branch and those above).

Exact under retries and parallel requests, one assignment per (unit, lesson):
- The first write is a Put conditional on no assignment yet; a different due day or note later
  is an update conditional on the revision read (of two changes at once, each applies in turn).
- The members' 消息 (kind `lesson_assigned`) goes through the outbox under the event key kept on
  the assignment (`notice_key`, set in the same write as the due day it announces), so every
  member gets it once whatever the number of requests; `notified` marks it posted. A retry after
  a failure between the write and the messages finds `notified` behind `notice_key` and posts
  what is missing (the outbox skips the rows already there); a retry after success posts nothing.
- A note-only change is saved without a new message; a new due day is announced again.

Watched is the read mark `lesson#<slug>` (reading.complete, written when her played positions
cover lesson_rules.WATCHED_SHARE of the lesson). The figures count the active members the
registry holds now, one Query of the `by-branch` index per branch and one BatchGet of read marks
per 100 members; the names of one branch add a BatchGet of their watch progress.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, UpdateError

from . import clock, outbox, registry, scope, text_chars
from .errors import BadRequestError, ForbiddenError, NotFoundError, busy
from .identifiers import is_slug, is_unit_id
from .meetings import members_of, subtree
from .models import CatalogItem, Member, OrgUnit, ReadMark
from .models.base import condition_failed
from .models.lessons import LessonAssignment, WatchProgress
from .scope import Caller

KIND = "lesson_assigned"
NOTE_MAX = 200
MAX_AHEAD_DAYS = 366
LIST_LIMIT = 100  # assignments read per unit
WRITE_ATTEMPTS = 6  # a change crossing another change of the same assignment is tried again
BATCH = 100  # keys per BatchGet

NOT_MANAGED = "只有本单位的书记或上级党组织的管理人员可以安排党课学习"
NOT_VISIBLE = "无权查看该单位的党课学习情况"
NO_LESSON = "该微党课不存在或尚未发布（slug）"
NO_ASSIGNMENT = "该单位没有安排学习这堂微党课"


# --- input ------------------------------------------------------------------------------------


def clean_due(value: Any, today: date) -> date:
    """A real day (YYYY-MM-DD), not before today (Beijing), within a year."""
    if not isinstance(value, str) or len(value) != 10:
        raise BadRequestError("截止日期（due_on）须写成 2026-12-31 的形式")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise BadRequestError(f"截止日期（due_on）不是有效的日期：{value}") from None
    if day < today:
        raise BadRequestError("截止日期已过，请选择今天或以后的日期")
    if day > today + timedelta(days=MAX_AHEAD_DAYS):
        raise BadRequestError("截止日期最多安排在一年以内")
    return day


def clean_note(value: Any) -> str | None:
    """The staff's words to the members: optional, one paragraph or a few lines."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequestError("说明（note）须为文字")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return None
    problem = text_chars.problem(text, newlines=True)
    if problem:
        raise BadRequestError(f"说明{problem}")
    if len(text) > NOTE_MAX:
        raise BadRequestError(f"说明最多 {NOTE_MAX} 字（现在 {len(text)} 字）")
    return text


def lesson(slug: Any) -> CatalogItem:
    """A published lesson (the catalog's kind "lesson"), read afresh: the catalog changes with a
    site publish."""
    if not is_slug(slug):
        raise BadRequestError(NO_LESSON)
    try:
        item = CatalogItem.get(slug)
    except CatalogItem.DoesNotExist:
        raise BadRequestError(NO_LESSON) from None
    if not item.published or item.kind != "lesson":
        raise BadRequestError(NO_LESSON)
    return item


def _unit(caller: Caller, unit_id: Any, need: scope.Access) -> OrgUnit:
    """The unit, if the caller's roles give `need` over it; an unknown id is refused alike."""
    message = NOT_MANAGED if need == "manage" else NOT_VISIBLE
    if not is_unit_id(unit_id):
        raise ForbiddenError(message)
    try:
        unit = registry.get_unit(unit_id)
    except NotFoundError:
        raise ForbiddenError(message) from None
    access = scope.unit_access(caller, unit.path)
    if access == "none" or (need == "manage" and access != "manage"):
        raise ForbiddenError(message)
    return unit


# --- views ------------------------------------------------------------------------------------


def _cn_day(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.month}月{d.day}日"


def view(a: LessonAssignment) -> dict[str, Any]:
    return {
        "unit_id": a.unit_id,
        "unit_name": a.unit_name or "",
        "slug": a.slug,
        "title": a.title,
        "due_on": a.due_on,
        "note": a.note,
        "assigned_by": a.assigned_by,
        "assigned_at": a.assigned_at,
        "updated_at": a.updated_at,
        "overdue": date.fromisoformat(a.due_on) < clock.today(),
    }


def _get(unit_id: str, slug: str) -> LessonAssignment | None:
    try:
        return LessonAssignment.get(unit_id, slug, consistent_read=True)
    except LessonAssignment.DoesNotExist:
        return None


# --- the message --------------------------------------------------------------------------------


def _fit(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def _event_key(a: LessonAssignment, now: float) -> str:
    """New for each announcement: a withdrawn and assigned-again lesson is announced again."""
    digest = hashlib.sha256(f"{a.unit_id}\n{a.slug}\n{now!r}".encode()).hexdigest()[:16]
    return f"lesson:{a.unit_id}:{a.slug}:{digest}"


def recipients(unit: OrgUnit) -> list[str]:
    """Active members of the unit and every unit below it."""
    return sorted(m.member_no for m in members_of(subtree(unit)))


def _announce(a: LessonAssignment, unit: OrgUnit, item: CatalogItem) -> outbox.PostResult | None:
    """Post the message of `a.notice_key` to every member (once each: the outbox's conditional
    rows), then mark it posted. Nothing to do when it was posted before."""
    if not a.notice_key or a.notified == a.notice_key:
        return None
    changed = a.rev and int(a.rev) > 1
    title = "微党课学习安排有变更" if changed else "微党课学习安排"
    body = f"{a.unit_name or unit.name}请您在{_cn_day(a.due_on)}前观看微党课「{item.title}」。"
    if a.note:
        body += f"\n{a.note}"
    result = outbox.post(
        a.notice_key,
        KIND,
        recipients(unit),
        _fit(title, outbox.TITLE_MAX_BYTES),
        _fit(body, outbox.BODY_MAX_BYTES),
        url=item.url,
    )
    try:
        a.update(
            actions=[LessonAssignment.notified.set(a.notice_key)],
            condition=LessonAssignment.notice_key == a.notice_key,
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        # Changed (or withdrawn) meanwhile: the change announces itself.
    return result


# --- staff: assign, withdraw --------------------------------------------------------------------


def assign(caller: Caller, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Ask the unit's members to watch a lesson by a day, or change the day or note; (the
    assignment's view, the outcome: "created", "rescheduled" (a new due day, announced again),
    "updated" (the note only) or "unchanged"). The same body again answers "unchanged" and
    sends nothing twice."""
    unit = _unit(caller, body.get("unit_id"), "manage")
    item = lesson(body.get("slug"))
    due = clean_due(body.get("due_on"), clock.today()).isoformat()
    note = clean_note(body.get("note"))
    for _ in range(WRITE_ATTEMPTS):
        now = clock.now()
        stamp = clock.local_now().isoformat(timespec="seconds")
        current = _get(unit.unit_id, item.slug)
        if current is None:
            a = LessonAssignment(
                unit.unit_id,
                item.slug,
                unit_path=list(unit.path),
                unit_name=unit.name,
                title=item.title,
                due_on=due,
                note=note,
                assigned_by=caller.member_no,
                assigned_at=stamp,
                rev=1,
            )
            a.notice_key = _event_key(a, now)
            try:
                a.save(condition=LessonAssignment.slug.does_not_exist())
            except PutError as exc:
                if not condition_failed(exc):
                    raise
                continue  # a parallel request made it first: compare with that one
            outcome = "created"
        elif current.due_on == due and (current.note or None) == note:
            a, outcome = current, "unchanged"
        else:
            a = current
            rev = int(current.rev or 1)
            actions = [
                LessonAssignment.due_on.set(due),
                LessonAssignment.note.set(note) if note else LessonAssignment.note.remove(),
                LessonAssignment.rev.set(rev + 1),
                LessonAssignment.title.set(item.title),
                LessonAssignment.updated_at.set(stamp),
                LessonAssignment.updated_by.set(caller.member_no),
            ]
            rescheduled = current.due_on != due
            if rescheduled:  # a new day is announced; a note alone is not
                a.rev = rev + 1
                actions.append(LessonAssignment.notice_key.set(_event_key(a, now)))
            try:
                a.update(actions=actions, condition=LessonAssignment.rev == rev)
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
                continue
            outcome = "rescheduled" if rescheduled else "updated"
        _announce(a, unit, item)
        return view(a), outcome
    raise busy()


def withdraw(caller: Caller, unit_id: str, slug: str) -> dict[str, Any]:
    """Withdraw the unit's assignment (manage scope). Again: `withdrawn` false, nothing else."""
    unit = _unit(caller, unit_id, "manage")
    if not is_slug(slug):
        raise NotFoundError(NO_ASSIGNMENT)
    try:
        LessonAssignment(unit.unit_id, slug).delete(condition=LessonAssignment.slug.exists())
    except DeleteError as exc:
        if not condition_failed(exc):
            raise
        return {"unit_id": unit.unit_id, "slug": slug, "withdrawn": False}
    return {"unit_id": unit.unit_id, "slug": slug, "withdrawn": True}


# --- staff: lists and figures -------------------------------------------------------------------


def _assignments_of(unit_ids: Iterable[str]) -> list[LessonAssignment]:
    out: list[LessonAssignment] = []
    for unit_id in unit_ids:
        out.extend(LessonAssignment.query(unit_id, limit=LIST_LIMIT))
    return out


def unit_list(caller: Caller, unit_id: str) -> dict[str, Any]:
    """The unit's own assignments and those of the units above it (they apply to its members):
    one Query per unit on its path."""
    unit = _unit(caller, unit_id, "read")
    found = _assignments_of(unit.path)
    found.sort(key=lambda a: (a.due_on, a.slug, -len(a.unit_path)))
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "manage": scope.unit_access(caller, unit.path) == "manage",
        "assignments": [
            {
                **view(a),
                "own": a.unit_id == unit.unit_id,
                "may_withdraw": scope.unit_access(caller, a.unit_path) == "manage",
            }
            for a in found
        ],
    }


def _batch(model: Any, keys: list[Any]) -> list[Any]:
    out: list[Any] = []
    for i in range(0, len(keys), BATCH):
        out.extend(model.batch_get(keys[i : i + BATCH]))
    return out


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _applying(unit: OrgUnit, slug: str) -> LessonAssignment:
    """The assignment of the lesson that applies to the unit: its own, else the nearest unit's
    above it (one BatchGet of the path's keys)."""
    got = {a.unit_id: a for a in LessonAssignment.batch_get([(u, slug) for u in unit.path])}
    for unit_id in reversed(unit.path):
        if unit_id in got:
            return got[unit_id]
    raise NotFoundError(NO_ASSIGNMENT)


def figures(caller: Caller, unit_id: str, slug: str, branch_id: str | None) -> dict[str, Any]:
    """Per branch below the unit: active members, how many have watched, the share; with
    `branch_id` (a branch in the unit's subtree; a branch unit shows its own) the names of who
    has and has not watched, with how much of the lesson each has covered."""
    unit = _unit(caller, unit_id, "read")
    if not is_slug(slug):
        raise NotFoundError(NO_ASSIGNMENT)
    a = _applying(unit, slug)
    units = subtree(unit)
    branches = sorted(
        (u for u in units if u.kind == "branch"),
        key=lambda u: (len(u.path), u.sort_order or 0, u.unit_id),
    )
    if branch_id is None and unit.kind == "branch":
        branch_id = unit.unit_id
    if branch_id is not None and branch_id not in {b.unit_id for b in branches}:
        raise BadRequestError("branch 须为该单位下属的党支部")
    people: dict[str, list[Member]] = {b.unit_id: members_of([b]) for b in branches}
    numbers = [m.member_no for ms in people.values() for m in ms]
    marks = {m.member_no: m for m in _batch(ReadMark, [(n, f"lesson#{slug}") for n in numbers])}
    rows = []
    for b in branches:
        members = people[b.unit_id]
        watched = sum(1 for m in members if m.member_no in marks)
        rows.append(
            {
                "id": b.unit_id,
                "name": b.name,
                "members": len(members),
                "watched": watched,
                "share": _share(watched, len(members)),
            }
        )
    total = sum(r["members"] for r in rows)
    watched_total = sum(r["watched"] for r in rows)
    out: dict[str, Any] = {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "assignment": view(a),
        "lesson": {"slug": slug, "title": a.title},
        "members": total,
        "watched": watched_total,
        "share": _share(watched_total, total),
        "branches": rows,
        "branch": None,
    }
    if branch_id is not None:
        branch = next(b for b in branches if b.unit_id == branch_id)
        out["branch"] = _names(branch, people[branch_id], marks, slug)
    return out


def _covered(p: WatchProgress | None) -> float:
    if p is None or not p.duration:
        return 0.0
    return round(min(1.0, float(p.covered_seconds or 0) / float(p.duration)), 4)


def _names(
    branch: OrgUnit, members: list[Member], marks: dict[str, ReadMark], slug: str
) -> dict[str, Any]:
    waiting = [m for m in members if m.member_no not in marks]
    progress = {
        p.member_no: p for p in _batch(WatchProgress, [(m.member_no, slug) for m in waiting])
    }
    return {
        "id": branch.unit_id,
        "name": branch.name,
        "watched": [
            {"member_no": m.member_no, "name": m.name, "watched_on": marks[m.member_no].read_on}
            for m in sorted(members, key=lambda m: m.member_no)
            if m.member_no in marks
        ],
        "not_watched": [
            {
                "member_no": m.member_no,
                "name": m.name,
                "covered_share": _covered(progress.get(m.member_no)),
            }
            for m in sorted(waiting, key=lambda m: m.member_no)
        ],
    }


# --- the member's own ---------------------------------------------------------------------------


def assigned(caller: Caller) -> dict[str, Any]:
    """The lessons her units (her branch and those above) asked her to watch, one entry a lesson
    (the earliest due day when two units asked), with whether she has watched each: one Query a
    unit of her path, one BatchGet of her read marks and one of her progress."""
    by_slug: dict[str, LessonAssignment] = {}
    for a in _assignments_of(caller.path):
        kept = by_slug.get(a.slug)
        if kept is None or a.due_on < kept.due_on:
            by_slug[a.slug] = a
    slugs = sorted(by_slug)
    marks = {
        m.item.split("#", 1)[1]: m
        for m in _batch(ReadMark, [(caller.member_no, f"lesson#{s}") for s in slugs])
    }
    progress = {p.slug: p for p in _batch(WatchProgress, [(caller.member_no, s) for s in slugs])}
    items = {i.slug: i for i in _batch(CatalogItem, slugs)}
    today = clock.today().isoformat()
    lessons = []
    for slug in slugs:
        a = by_slug[slug]
        item = items.get(slug)
        if item is None or not item.published:
            continue  # the lesson left the site: nothing to watch
        mark = marks.get(slug)
        lessons.append(
            {
                "slug": slug,
                "title": item.title,
                "url": item.url,
                "unit_id": a.unit_id,
                "unit_name": a.unit_name or "",
                "due_on": a.due_on,
                "note": a.note,
                "watched": mark is not None,
                "watched_on": mark.read_on if mark else None,
                "covered_share": 1.0 if mark else _covered(progress.get(slug)),
                "overdue": mark is None and a.due_on < today,
            }
        )
    lessons.sort(key=lambda x: (x["watched"], x["due_on"], x["slug"]))
    return {"lessons": lessons, "to_watch": sum(1 for x in lessons if not x["watched"])}


# --- the reminder before the due day (reminders.toml `lesson_due`, audiences.lesson_due) --------


def _branches_below(units: dict[str, OrgUnit], unit_id: str) -> list[str]:
    """The branches of the unit's subtree, from the org units the run read whole (no Query)."""
    children: dict[str, list[str]] = {}
    for u in units.values():
        if u.parent_id:
            children.setdefault(u.parent_id, []).append(u.unit_id)
    out, todo = [], [unit_id]
    while todo:
        uid = todo.pop()
        if uid in units and units[uid].kind == "branch":
            out.append(uid)
        todo.extend(children.get(uid, []))
    return sorted(out)


def not_watched_by(
    units: dict[str, OrgUnit], due_on: date
) -> dict[str, list[tuple[LessonAssignment, str]]]:
    """Member → [(assignment, lesson url)] of the assignments due on `due_on` she has not
    watched yet: each unit's assignments (one Query a unit, off the request path), then for
    each one due that day its branches' active members (a Query a branch) and their read marks
    (a BatchGet per 100)."""
    per: dict[str, list[tuple[LessonAssignment, str]]] = {}
    wanted = due_on.isoformat()
    for unit_id in sorted(units):
        for a in LessonAssignment.query(
            unit_id, filter_condition=LessonAssignment.due_on == wanted
        ):
            try:
                item = CatalogItem.get(a.slug)
            except CatalogItem.DoesNotExist:
                continue
            if not item.published:
                continue
            people = [
                m.member_no
                for b in _branches_below(units, unit_id)
                for m in Member.by_branch.query(b)
                if m.active
            ]
            marks = {
                m.member_no for m in _batch(ReadMark, [(n, f"lesson#{a.slug}") for n in people])
            }
            for no in people:
                mine = per.setdefault(no, [])
                # One lesson asked by two units (the branch and one above) is one to watch.
                if no not in marks and all(seen.slug != a.slug for seen, _ in mine):
                    mine.append((a, item.url))
    return {no: found for no, found in per.items() if found}
