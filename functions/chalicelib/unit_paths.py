"""Re-path the records that keep a copy of their unit's path, after the unit tree changed
(`schedules.repath_units`, every 10 minutes; `make dev`'s scheduler; `make import-units`).

Many records copy their unit's path (root first, ending with the unit) at write time, so a scope
check or a subtree Query (`begins_with` of "C01/G01/") needs no further read. When a unit moves
(the console's 调整上级单位, `registry_units.move_unit`, or a units import with a new parent),
those copies point at the old place: the former superiors keep reading the unit's records and
the new ones do not. `REGISTRY` names every such model once: the attribute holding the unit, the
path list, the strings keyed by the path ("C01/G01/B0101/#…"), the root copies and the name copy;
`run()` recomputes them from the current org units and rewrites only the stale ones.

Cheap when nothing changed: one GetItem of the units' version (`bump`, in the move's and the
rename's transaction and after a units import) against the version the last pass saw. A pass
Scans every registered table (consistent reads, paged) and updates a stale record with a
condition that its stale values are still there: twice is harmless, and a record rewritten
meanwhile by a request is read again and retried once. Each change gets one more pass on a later
run (`SETTLE` seconds after it was first seen), for a record a request wrote with the path it
read just before the move.

Names: a record's copy of its unit's name follows a rename, except where the record is a
document issued under the name of the time (转接介绍信 in transfers, 通报 of inspections).
Not re-pathed, by design: rows recomputed by their own jobs (the assessment items, console
figures, ranking state) and the audit log (an entry is shown to the units on the path of the
time)."""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from .models import (
    BranchPost,
    Comment,
    DuesMonth,
    Meeting,
    OrgUnit,
    PublishedVersion,
    ReviewItem,
    UnitMonth,
    VolunteerActivity,
)
from .models.assessment import AssessmentGrade
from .models.inspections import Inspection
from .models.lessons import LessonAssignment
from .models.points import RankingState
from .models.recruitment import Recruit
from .models.service_requests import ServiceRequest
from .models.surveys import Survey
from .models.transfers import Transfer

SETTLE = 120  # seconds: longer than any request (API Gateway ends one at 29 s)
VERSION_KEY = ("units", "version")  # RankingState row: bumped by every unit tree change
STATE_KEY = ("units", "repath")  # RankingState row: what the last pass saw
PAGED: dict[str, Any] = {"consistent_read": True, "page_size": 200}


@dataclass(frozen=True)
class Group:
    """One unit a record refers to, and the attributes copied from it.

    `unit`: the attribute holding the unit id (None: the path list's last element).
    `path`/`kinds`: list copies of the unit's path and its kinds. `keyed`: strings that start
    with the path joined by "/" and a "/" (sort and index keys). `root`: copies of the path's
    first id (kept: any "<prefix>#" before it, as in "open#C01"). `name`: the unit's name."""

    unit: str | None
    path: str | None = None
    kinds: str | None = None
    keyed: tuple[str, ...] = ()
    root: tuple[str, ...] = ()
    name: str | None = None


@dataclass(frozen=True)
class Entry:
    model: type[Model]
    scan: Callable[[], Iterable[Model]]  # consistent and paged
    groups: tuple[Group, ...]


# Each Scan is named here (not `entry.model.scan`) so the job's IAM policy test sees it.
REGISTRY: tuple[Entry, ...] = (
    Entry(
        Meeting,
        lambda: Meeting.scan(**PAGED),
        (Group("unit_id", "unit_path", keyed=("tree_sort",), name="unit_name"),),
    ),
    Entry(
        UnitMonth,
        lambda: UnitMonth.scan(**PAGED),
        (Group("unit_id", "unit_path", keyed=("tree_sort",), name="unit_name"),),
    ),
    Entry(
        Recruit,
        lambda: Recruit.scan(**PAGED),
        (Group("branch_id", "branch_path", "branch_path_kinds", ("tree_sort",), ("root",)),),
    ),
    Entry(
        BranchPost,
        lambda: BranchPost.scan(**PAGED),
        (
            Group(
                "branch_id",
                "branch_path",
                keyed=("pending_path",),
                root=("pending_root",),
                name="branch_name",
            ),
        ),
    ),
    Entry(
        Comment,
        lambda: Comment.scan(**PAGED),
        (
            Group(
                "branch_id",
                "branch_path",
                keyed=("mod_path",),
                root=("mod_root",),
                name="branch_name",
            ),
        ),
    ),
    Entry(
        ReviewItem,
        lambda: ReviewItem.scan(**PAGED),
        (Group("branch_id", keyed=("pending_path",), root=("pending_root",)),),
    ),
    Entry(
        PublishedVersion,
        lambda: PublishedVersion.scan(**PAGED),
        (Group(None, "branch_path"),),
    ),
    Entry(
        Survey,
        lambda: Survey.scan(**PAGED),
        (Group("unit_id", "unit_path", keyed=("sort",), root=("org",), name="unit_name"),),
    ),
    Entry(
        Transfer,
        lambda: Transfer.scan(**PAGED),
        (Group("from_unit", "from_path"), Group("to_unit", "to_path")),
    ),
    Entry(
        ServiceRequest,
        lambda: ServiceRequest.scan(**PAGED),
        (Group("unit_id", "unit_path", name="unit_name"), Group("origin_unit", "origin_path")),
    ),
    Entry(
        VolunteerActivity,
        lambda: VolunteerActivity.scan(**PAGED),
        (Group("unit_id", "unit_path", keyed=("tree_sort",), root=("org",), name="unit_name"),),
    ),
    Entry(
        Inspection,
        lambda: Inspection.scan(**PAGED),
        (Group("owner_unit", "owner_path"), Group("unit_id", "unit_path")),
    ),
    Entry(
        AssessmentGrade,
        lambda: AssessmentGrade.scan(**PAGED),
        (Group("branch_id", keyed=("tree_key",)),),
    ),
    Entry(
        DuesMonth,
        lambda: DuesMonth.scan(**PAGED),
        (Group("branch_id", keyed=("tree_key",)),),
    ),
    # 微党课 assignments (lesson_assignments.py): its unit's path and name.
    Entry(
        LessonAssignment,
        lambda: LessonAssignment.scan(**PAGED),
        (Group("unit_id", "unit_path", name="unit_name"),),
    ),
)


@dataclass(frozen=True)
class Unit:
    path: tuple[str, ...]
    kinds: tuple[str, ...]
    name: str


def _rekey(value: str, unit_id: str, path: Sequence[str]) -> str | None:
    """`value` ("C01/G01/B0101/#…") with the part up to the unit's id replaced by its path;
    None when the unit's id is not one of its path segments."""
    parts = value.split("/")
    if unit_id not in parts[:-1]:
        return None
    rest = parts[parts.index(unit_id) + 1 :]
    return "/".join([*path, *rest])


def _reroot(value: str, root: str) -> str:
    head, sep, _ = value.rpartition("#")
    return f"{head}{sep}{root}"


def fresh_values(entry: Entry, record: Model, units: dict[str, Unit]) -> dict[str, Any]:
    """attribute -> its current value, for each registered attribute whose stored copy is
    stale (empty: the record is current, or its unit is gone)."""
    out: dict[str, Any] = {}
    for g in entry.groups:
        stored_path = getattr(record, g.path) if g.path else None
        unit_id = getattr(record, g.unit) if g.unit else (stored_path or [None])[-1]
        unit = units.get(unit_id) if unit_id else None
        if unit is None:
            continue  # no unit (an external transfer side) or a unit no longer in the registry
        wanted: dict[str, Any] = {}
        if g.path and stored_path is not None:
            wanted[g.path] = list(unit.path)
        if g.kinds and getattr(record, g.kinds) is not None:
            wanted[g.kinds] = list(unit.kinds)
        for attr in g.keyed:
            value = getattr(record, attr)
            if value is not None and (new := _rekey(value, unit_id, unit.path)) is not None:
                wanted[attr] = new
        for attr in g.root:
            value = getattr(record, attr)
            if value is not None:
                wanted[attr] = _reroot(value, unit.path[0])
        if g.name and getattr(record, g.name) is not None:
            wanted[g.name] = unit.name
        for attr, value in wanted.items():
            old = getattr(record, attr)
            if (list(old) if isinstance(old, list) else old) != value:
                out[attr] = value
    return out


def _load_units() -> dict[str, Unit]:
    return {
        u.unit_id: Unit(tuple(u.path or ()), tuple(u.path_kinds or ()), u.name)
        for u in OrgUnit.scan(consistent_read=True)
    }


def _key(entry: Entry, record: Model) -> tuple[Any, ...]:
    keys = [entry.model._hash_key_attribute().attr_name]
    if (range_attr := entry.model._range_key_attribute()) is not None:
        keys.append(range_attr.attr_name)
    return tuple(getattr(record, k) for k in keys)


def _update(entry: Entry, record: Model, changes: dict[str, Any]) -> None:
    """Set `changes` on the stored record, on condition its stale values are still there."""
    model = entry.model
    attrs = model.get_attributes()
    actions = [attrs[a].set(v) for a, v in changes.items()]
    condition = None
    for a in changes:
        old = getattr(record, a)
        test = attrs[a] == (list(old) if isinstance(old, list) else old)
        condition = test if condition is None else condition & test
    model(*_key(entry, record)).update(actions=actions, condition=condition)


def repath_table(entry: Entry, units: dict[str, Unit]) -> dict[str, int]:
    """One consistent, paged Scan of the table; every stale record rewritten."""
    stats = {"scanned": 0, "repathed": 0, "raced": 0}
    for record in entry.scan():
        stats["scanned"] += 1
        for attempt in range(2):
            changes = fresh_values(entry, record, units)
            if not changes:
                break
            try:
                _update(entry, record, changes)
                stats["repathed"] += 1
                break
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
                # Written meanwhile (a request, or a parallel pass): read it again, once.
                fresh = entry.model.get(*_key(entry, record), consistent_read=True)
                if fresh is None or attempt:
                    stats["raced"] += 1
                    break
                record = fresh
    return stats


def repath_all(entries: Iterable[Entry] = REGISTRY) -> dict[str, Any]:
    units = _load_units()
    totals = {"scanned": 0, "repathed": 0, "raced": 0}
    for entry in entries:
        for k, v in repath_table(entry, units).items():
            totals[k] += v
    return totals


def bump(tx: Any = None) -> None:
    """The unit tree changed: in `tx` (a Transaction) when given, else at once."""
    actions = [RankingState.version.add(1)]
    if tx is not None:
        tx.update("units-version", RankingState(*VERSION_KEY), actions=actions)
    else:
        RankingState(*VERSION_KEY).update(actions=actions)


def _version() -> int:
    try:
        return int(RankingState.get(*VERSION_KEY, consistent_read=True).version or 0)
    except RankingState.DoesNotExist:
        return 0


def _state() -> dict[str, Any]:
    try:
        item = RankingState.get(*STATE_KEY, consistent_read=True)
    except RankingState.DoesNotExist:
        return {}
    return json.loads(zlib.decompress(item.data)) if item.data else {}


def _save_state(state: dict[str, Any]) -> None:
    data = zlib.compress(json.dumps(state).encode())
    RankingState(*STATE_KEY, data=data, version=state["version"]).save()


def run(now: float | None = None, force: bool = False) -> dict[str, Any]:
    """A pass when the unit tree changed since the last one (or its settling pass is due)."""
    now = time.time() if now is None else now
    version = _version()
    state = _state()
    if state.get("version") != version:
        state = {"version": version, "seen_at": now, "settled": False}
    elif not force and (state.get("settled") or now - float(state["seen_at"]) < SETTLE):
        return {"ran": False, "version": version}
    else:
        state["settled"] = True
    stats = repath_all()
    if stats["raced"]:
        state["settled"] = False  # a record kept changing: once more on the next run
    _save_state(state)
    return {"ran": True, "version": version, **stats}
