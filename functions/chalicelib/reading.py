"""Reading logs: the article page's heartbeats credit engaged seconds to a page view.

A page view has an id made on the phone; the page opens it with heartbeat 0 (no seconds) when
the article loads, then sends a heartbeat of the engaged seconds about every 15 s. Each heartbeat
carries (view id, sequence number), the idempotency key.

What the server trusts, and why the totals are exact:

- **Wall-clock time.** A member's credited seconds are laid on one line (`ReadingState.until`),
  across all her views, tabs and devices: a heartbeat is credited at most the time between the
  later of `until` and its view's opening and now. So the seconds credited to a member never
  exceed the time that actually passed, one heartbeat on each of eight articles in half a second
  credits nothing, and two tabs read at once earn what one would. Heartbeats queued offline and
  sent late together still count: the time since the view opened did pass. (A view the server
  first hears of with seconds already read — opened while offline — starts its time then.)
- **Caps.** A heartbeat credits at most 20 seconds, a view at most twice the
  item's estimated reading time.
- **Replays.** One conditional write applies a heartbeat: its number must not be in its view yet
  and `until` must be what was read, so a replayed heartbeat changes nothing and parallel ones
  serialise. The member's state is one item (her line and her recent views): one read and one
  write a heartbeat.

When a view's credited time reaches the item's minimum, the item is read: the member gets
`article_read` (or `constitution_read`) through `points.award` — once, whatever the number of
views — and a read mark for progress pages. Both are idempotent; a heartbeat retried after a
failure between the write and the award repairs it.

Lessons (微党课, `kind == "lesson"`) ride the same line, views and replays: `watching.py` says
what a grant buys on a lesson (media coverage, resume position, watching-time points), and its
progress item is written with the state in one transaction on the same version condition.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.operand import Path

from . import clock, points, reading_rules, watching
from .errors import BadRequestError, ConflictError, NotFoundError, ServiceUnavailableError
from .identifiers import is_slug
from .models import CatalogItem, ReadingState, ReadMark
from .models.base import Transaction, TransactionCancelled, condition_failed
from .models.lessons import WatchProgress

SERIES = {"constitution"}
_CACHE_SECONDS = 300.0
_cache: dict[str, tuple[float, CatalogItem | None]] = {}


def view_cap(item: CatalogItem) -> int:
    return reading_rules.view_cap(int(item.chars))


def min_seconds(item: CatalogItem) -> int:
    return reading_rules.min_seconds(int(item.chars))


def catalog_item(slug: str) -> CatalogItem:
    """A published item; cached in the warm function for a few minutes (the catalog changes
    only with a site publish)."""
    if not is_slug(slug):  # "" or junk would reach DynamoDB as an invalid key
        raise NotFoundError("文章不存在或尚未发布")
    now = time.monotonic()
    hit = _cache.get(slug)
    if hit is None or now - hit[0] > _CACHE_SECONDS:
        try:
            item: CatalogItem | None = CatalogItem.get(slug)
        except CatalogItem.DoesNotExist:
            item = None
        hit = (now, item)
        if item is not None:
            _cache[slug] = hit
    item = hit[1]
    if item is None or not item.published:
        raise NotFoundError("文章不存在或尚未发布")
    return item


VIEW_KEEP_SECONDS = 6 * 3600  # a view with no heartbeat for this long leaves the state item
VIEW_KEEP_COUNT = 12  # and at most this many views are kept: the item stays well under 1 KB
MAX_ATTEMPTS = 16  # a member's own parallel heartbeats (tabs, a flushed queue) serialise here


def _state(member_no: str) -> ReadingState | None:
    try:
        return ReadingState.get(member_no, consistent_read=True)
    except ReadingState.DoesNotExist:
        return None


def _views(state: ReadingState | None) -> dict[str, dict[str, Any]]:
    if state is None or state.views is None:
        return {}
    return dict(state.views.attribute_values)


def _stale(views: dict[str, dict[str, Any]], keep: str, now: float) -> list[str]:
    """Views to drop: idle too long, or beyond the newest VIEW_KEEP_COUNT (never `keep`)."""
    others = sorted(
        (v for v in views if v != keep), key=lambda v: float(views[v].get("t", 0)), reverse=True
    )
    return [
        v
        for n, v in enumerate(others)
        if n >= VIEW_KEEP_COUNT - 1 or float(views[v].get("t", 0)) < now - VIEW_KEEP_SECONDS
    ]


MAX_OUT_OF_ORDER = 64  # heartbeat numbers held above the contiguous run of one view


def _applied(view: dict[str, Any] | None, seq: int) -> bool:
    if view is None:
        return False
    return seq <= int(view.get("h", -1)) or seq in (view.get("q") or set())


def _with_seq(view: dict[str, Any], seq: int) -> dict[str, Any]:
    """The view with `seq` applied: its numbers are kept as the highest contiguous one (`h`) and
    the few that arrived ahead of a gap (`q`), so the item stays small however long she reads."""
    high = int(view.get("h", -1))
    ahead = set(view.get("q") or set())
    if seq == high + 1:
        high = seq
        while high + 1 in ahead:
            high += 1
            ahead.discard(high)
    else:
        if len(ahead) >= MAX_OUT_OF_ORDER:
            raise BadRequestError("阅读记录序号（seq）跳跃过大")
        ahead.add(seq)
    out = {k: v for k, v in view.items() if k not in {"h", "q"}}
    out["h"] = high
    if ahead:
        out["q"] = ahead
    return out


def _write(
    member_no: str,
    state: ReadingState | None,
    view_id: str,
    entry: dict[str, Any],
    new_until: float | None,
    now: float,
    lesson: watching.Step | None = None,
) -> bool:
    """Store the view's new entry and the member's line with one conditional write (on the
    state's version), a lesson's progress in the same transaction; False if another heartbeat
    of hers was applied meanwhile."""
    progress = lesson.progress if lesson else None
    if state is None:
        fresh = ReadingState(
            member_no,
            until=new_until,
            version=1,
            views={view_id: entry},
            **(lesson.state_attributes() if lesson else {}),
        )
        condition = ReadingState.member_no.does_not_exist()
        if progress is None:
            try:
                fresh.save(condition=condition)
            except PutError as exc:
                if condition_failed(exc):
                    return False
                raise
            return True
        return _transact(lambda tx: tx.save("state", fresh, condition=condition), progress)
    actions = [
        Path(["views", view_id]).set(entry),
        ReadingState.version.set(int(state.version or 0) + 1),
    ]
    if new_until is not None and new_until != state.until:
        actions.append(ReadingState.until.set(new_until))
    if lesson:
        actions += lesson.state_actions()
    actions += [Path(["views", v]).remove() for v in _stale(_views(state), view_id, now)]
    condition = (
        ReadingState.version == state.version
        if state.version is not None
        else ReadingState.version.does_not_exist()
    )
    if progress is not None:
        return _transact(
            lambda tx: tx.update("state", ReadingState(member_no), actions, condition=condition),
            progress,
        )
    try:
        ReadingState(member_no).update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _transact(state_write: Callable[[Transaction], None], progress: WatchProgress) -> bool:
    """The state write and the lesson's progress put as one TransactWriteItems: the progress is
    only ever written under the state's version, so a replay or a parallel beat cannot apply
    twice. False when the state moved meanwhile (or DynamoDB reports a conflict)."""
    try:
        with Transaction() as tx:
            state_write(tx)
            tx.save("progress", progress)
    except TransactionCancelled as cancelled:
        if cancelled.failed("state") or cancelled.conflict:
            return False
        raise
    return True


def heartbeat(
    member_no: str,
    view_id: str,
    seq: int,
    slug: str,
    seconds: int,
    position: float | None = None,
    ranges: list[Any] | None = None,
) -> dict[str, Any]:
    """Apply one heartbeat (idempotent on view_id + seq); mark the item read when it is due.
    `seconds` 0 opens the view (the page sends it when the article loads). A lesson's beat may
    carry the media `position` and the `ranges` played (watching.py)."""
    item = catalog_item(slug)
    play = watching.check(item, position, ranges)  # 400 before anything is written
    lesson = item.kind == watching.KIND
    cap = watching.view_cap(item) if lesson else view_cap(item)
    need = watching.required(item) if lesson else min_seconds(item)
    claim = min(seconds, reading_rules.HEARTBEAT_MAX_CREDIT, cap)
    for attempt in range(MAX_ATTEMPTS):
        now = clock.now()
        state = _state(member_no)
        view = _views(state).get(view_id)
        if view is not None and view.get("s") != slug:
            raise ConflictError("阅读记录编号（view_id）已被使用，请刷新页面")
        credited = int(view.get("c", 0)) if view else 0
        if _applied(view, seq):
            return _result(
                member_no, item, credited, need, cap, replay=True, view=view, state=state
            )
        # Lay the claim on the member's line: after her last credited second and after this
        # view opened, up to now. A view heard of for the first time opens now.
        opened = float(view["f"]) if view else now
        start = max(float(state.until or 0) if state else 0.0, opened)
        grant = max(0, min(claim, cap - credited, int(now - start)))
        new_until = start + grant if grant else (state.until if state else None)
        read_now = not lesson and credited < need <= credited + grant and not (view or {}).get("r")
        entry = _with_seq(view or {"s": slug, "f": now}, seq)
        entry.update({"c": credited + grant, "t": now})
        if read_now:
            entry["r"] = now
        step = None
        if lesson:
            late = view is not None and seq < max([int(view.get("h", -1)), *view.get("q", ())])
            step = watching.step(member_no, item, play, grant, state, now, late=late, start=start)
        if _write(member_no, state, view_id, entry, new_until, now, step):
            awarded = [complete(member_no, item)] if read_now else []
            if step is not None:
                awarded = watching.award_minutes(member_no, step.day, step.minutes)
                if step.watched_now:
                    awarded.append(complete(member_no, item))
            return _result(member_no, item, credited + grant, need, cap, awarded=awarded, step=step)
        # Another heartbeat of hers was applied meanwhile: read again, after a jittered pause so
        # that parallel ones do not collide in step.
        time.sleep(random.uniform(0.002, 0.01) * (attempt + 1))
    raise ServiceUnavailableError("阅读记录繁忙，请稍后重试", retry_after=2)


def _result(
    member_no: str,
    item: CatalogItem,
    credited: int,
    need: int,
    cap: int,
    *,
    replay: bool = False,
    awarded: list[points.Award | None] | None = None,
    view: dict[str, Any] | None = None,
    state: ReadingState | None = None,
    step: watching.Step | None = None,
) -> dict[str, Any]:
    awarded = list(awarded or [])
    lesson = item.kind == watching.KIND
    progress = step.progress if step else None
    if replay and lesson:
        # The write went through, some awards may not have: repair them.
        progress = watching.progress_of(member_no, item.slug)
        minutes = watching.missing_minutes(member_no, state)
        if state is not None and minutes:
            awarded += watching.award_minutes(member_no, str(state.watch_day), minutes)
        if progress is not None and progress.watched_on and not is_marked(member_no, item):
            awarded.append(complete(member_no, item))
    elif replay and view is not None and view.get("r") and not is_marked(member_no, item):
        # The write that made it read went through, the award or mark did not: repair it.
        awarded.append(complete(member_no, item))
    given = [{"rule": a.rule, "points": a.amount} for a in awarded if a is not None]
    out: dict[str, Any] = {
        "credited": credited,
        "required": need,
        "cap": cap,
        "read": credited >= need,
        "replay": replay,
        "award": given[0] if given else None,
        "awards": given,
    }
    if lesson:
        out["lesson"] = watching.summary(item, progress)
        out["read"] = out["lesson"]["watched"]
    return out


def is_marked(member_no: str, item: CatalogItem) -> bool:
    """Whether the member has a read mark of the item (one GetItem)."""
    try:
        ReadMark.get(member_no, f"{item.kind}#{item.slug}")
    except ReadMark.DoesNotExist:
        return False
    return True


COMPLETE_RULES = {"constitution": "constitution_read", watching.KIND: "lesson_watched"}


def complete(member_no: str, item: CatalogItem) -> points.Award | None:
    """The item is read: award once (the ledger key is per item), then mark it. Each step is
    idempotent, so a crash between them is repaired by a retry."""
    rule = COMPLETE_RULES.get(item.kind, "article_read")
    awarded = points.award(member_no, rule, item.slug)
    try:
        ReadMark(
            member_no,
            f"{item.kind}#{item.slug}",
            series_day=item.series_day,
            read_on=clock.today().isoformat(),
        ).save(condition=ReadMark.item.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise  # otherwise: read before, in an earlier view
    return awarded


def progress(member_no: str, series: str) -> dict[str, Any]:
    """Which installments of a series the member has read (one Query of her read marks)."""
    marks = list(ReadMark.query(member_no, ReadMark.item.startswith(f"{series}#")))
    days = sorted(int(m.series_day) for m in marks if m.series_day is not None)
    return {
        "series": series,
        "days": days,
        "slugs": sorted(m.item.split("#", 1)[1] for m in marks),
        "count": len(marks),
    }
