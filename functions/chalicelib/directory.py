"""通讯录: find colleagues by name or by branch, each shown only with the fields the viewer may
see (`directory_rules.visible_fields`, from `directory.toml`).

Search by name reads the compact name index (`models.directory.DirectoryShard`: every active
member's name and branch, in SHARDS items), never the members table whole; the matches are then
read by key, so what is shown is always the registry's current item (a stale index entry — a
member renamed, moved or deactivated since — is dropped or shown as she is now). Listing a branch
is a live Query of the members' `by-branch` index.

Keeping the index: `member_changed(member)` after any write that creates a member or changes her
name, branch or `active` (one UpdateItem of one map key); the registry import rebuilds it whole
(`tools/directory_index.py`, also `make directory ARGS=rebuild`).
"""

from __future__ import annotations

import contextlib
import re
import zlib
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import UpdateError

from . import clock, cursors, directory_rules, scope, throttle
from .errors import BadRequestError, ForbiddenError
from .identifiers import is_member_no, is_unit_id
from .models import Member, OrgUnit
from .models.directory import DirectoryShard
from .org import ROLES, STATUS_LABELS
from .scope import Caller

SHARDS = 8  # fixed: an entry's shard is crc32(member number) % SHARDS
SEARCH_LIMIT = 20  # results a page
BRANCH_PAGE = 50
QUERY_MAX = 20
# A name: Chinese characters, Latin letters, the middle dot of minority names, spaces.
QUERY_CHARS = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z·• ]+$")
# Calls (searches and branch pages) a member may make per window: enough to look people up,
# too few to page through the organisation.
BUDGET_CALLS = 40
BUDGET_WINDOW = 600
MAX_OFFSET = 5000
NOT_LISTED = "无权查看该支部的通讯录"


def shard_of(member_no: str) -> str:
    return f"s{zlib.crc32(member_no.encode()) % SHARDS}"


def listed(member: Member) -> bool:
    """In the directory at all: an active Party member (正式 or 预备). Anyone else the registry may
    hold (an applicant or activist of 党员发展) is nobody's colleague here."""
    return bool(member.active and member.status in STATUS_LABELS)


def entry_of(member: Member) -> str | None:
    """Her index entry ("name<TAB>branch"), or None: not in the directory."""
    if not listed(member) or not member.name or not member.branch_id:
        return None
    return f"{member.name}\t{member.branch_id}"


def member_changed(member: Member) -> None:
    """Bring her index entry up to date after a write to her registry item (created, renamed,
    moved to another branch, deactivated): one UpdateItem of one map key, no read. Call it with
    the item as written. (A member's first entry in a shard never written before creates the
    shard's map first.)"""
    value = entry_of(member)
    key = DirectoryShard.entries[member.member_no]
    action = key.set(value) if value is not None else key.remove()
    shard = DirectoryShard(shard_of(member.member_no))
    try:
        shard.update(actions=[action])
    except UpdateError:
        # The shard or its map does not exist yet (a fresh table): create the map, then retry.
        shard.update(actions=[DirectoryShard.entries.set(DirectoryShard.entries | {})])
        shard.update(actions=[action])


def write_all(entries: dict[str, str], rebuilt_at: str) -> None:
    """Replace the whole index (the rebuild): every shard written, empty ones included."""
    shards: dict[str, dict[str, str]] = {f"s{i}": {} for i in range(SHARDS)}
    for member_no, value in entries.items():
        shards[shard_of(member_no)][member_no] = value
    with DirectoryShard.batch_write() as batch:
        for key, values in shards.items():
            batch.save(DirectoryShard(key, entries=values, rebuilt_at=rebuilt_at))


def _index() -> dict[str, tuple[str, str]]:
    """member number -> (name, branch), from every shard in one BatchGetItem."""
    out: dict[str, tuple[str, str]] = {}
    for shard in DirectoryShard.batch_get([f"s{i}" for i in range(SHARDS)]):
        for member_no, value in (shard.entries.as_dict() if shard.entries else {}).items():
            name, _, branch = str(value).partition("\t")
            out[member_no] = (name, branch)
    return out


def _take_budget(caller: Caller) -> None:
    throttle.reserve_all(
        clock.now(),
        throttle.Budget(f"directory#{caller.member_no}", BUDGET_CALLS, BUDGET_WINDOW),
    )


def check_query(q: str | None) -> str:
    text = " ".join((q or "").split())
    if not text:
        raise BadRequestError("请输入要查找的姓名")
    if len(text) > QUERY_MAX:
        raise BadRequestError(f"姓名最多 {QUERY_MAX} 个字")
    if not QUERY_CHARS.match(text):
        raise BadRequestError("姓名只能包含汉字、字母、空格和“·”")
    return text


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or len(cursor) > 5 or int(cursor) > MAX_OFFSET:
        raise BadRequestError(cursors.INVALID)
    return int(cursor)


def _units(ids: Iterable[str], known: dict[str, OrgUnit]) -> dict[str, OrgUnit]:
    wanted = sorted({u for u in ids if u and is_unit_id(u) and u not in known})
    for i in range(0, len(wanted), 100):
        for unit in OrgUnit.batch_get(wanted[i : i + 100]):
            known[unit.unit_id] = unit
    return known


def card(caller: Caller, member: Member, branch: OrgUnit) -> dict[str, Any] | None:
    """The colleague as the viewer may see her: only the fields she may see are keys at all;
    None when she may not find her."""
    seen = directory_rules.visible_fields(caller, member.member_no, branch.path, branch.path_kinds)
    if not seen:
        return None
    values: dict[str, Any] = {
        "name": member.name,
        "member_no": member.member_no,
        "branch": {"id": branch.unit_id, "name": branch.name},
        "gender": member.gender,
        "roles": [ROLES[r].label for r in member.roles if r in ROLES],
        "status": STATUS_LABELS.get(member.status, member.status),
        "phone": member.phone,
        "joined_on": member.joined_on,
    }
    out = {k: v for k, v in values.items() if k in seen and v not in (None, "")}
    out["self"] = member.member_no == caller.member_no
    return out


def search(caller: Caller, q: str | None, cursor: str | None) -> dict[str, Any]:
    """Colleagues whose name contains `q` (case-insensitive), exact names first, SEARCH_LIMIT a
    page; `next` is the offset to go on from."""
    text = check_query(q)
    start = _offset(cursor)
    _take_budget(caller)
    folded = text.casefold()
    matches = sorted(
        (
            (name.casefold() != folded, not name.casefold().startswith(folded), name, no, branch)
            for no, (name, branch) in _index().items()
            if folded in name.casefold()
        )
    )
    results: list[dict[str, Any]] = []
    known: dict[str, OrgUnit] = {}
    i = start
    while i < len(matches) and len(results) < SEARCH_LIMIT:
        chunk = matches[i : i + SEARCH_LIMIT]
        found = {
            m.member_no: m for m in Member.batch_get([c[3] for c in chunk if is_member_no(c[3])])
        }
        _units((m.branch_id for m in found.values()), known)
        for c in chunk:
            i += 1
            member = found.get(c[3])
            if member is None or not listed(member) or folded not in member.name.casefold():
                continue
            branch = known.get(member.branch_id)
            shown = card(caller, member, branch) if branch else None
            if shown:
                results.append(shown)
                if len(results) == SEARCH_LIMIT:
                    break
    return {"q": text, "results": results, "next": str(i) if i < len(matches) else None}


# --- by branch ---------------------------------------------------------------------------------


def _roots(caller: Caller) -> list[str]:
    """The units whose branches the caller may list: the unit the `name` rule's level makes her
    share with a colleague (全组织: the root), and with `staff = true` the units her roles reach."""
    rule = directory_rules.rules()["name"]
    roots = {directory_rules.level_unit(rule.level or "branch", caller.path, caller.path_kinds)}
    if rule.staff:
        roots |= set(scope.grants(caller))
    return sorted(r for r in roots if r)


def _listable(caller: Caller, unit: OrgUnit) -> bool:
    return any(root in unit.path for root in _roots(caller))


def branches(caller: Caller) -> dict[str, Any]:
    """The branches she may list, grouped under the unit above each: one `by-parent` Query per
    unit above branch level."""
    from .meetings import subtree

    units: dict[str, OrgUnit] = {}
    roots = [u for u in OrgUnit.batch_get(_roots(caller))]
    for root in roots:
        if any(other.unit_id in root.path[:-1] for other in roots):
            continue  # nested in another root: listed with it
        for unit in subtree(root):
            units[unit.unit_id] = unit
    parents = _units((u.parent_id for u in units.values() if u.kind == "branch"), dict(units))
    rows = [
        {
            "id": u.unit_id,
            "name": u.name,
            "above": parents[u.parent_id].name if u.parent_id in parents else "",
        }
        for u in sorted(units.values(), key=lambda u: (u.sort_order, u.unit_id))
        if u.kind == "branch"
    ]
    return {"branches": rows, "own": caller.path[-1] if caller.path else None}


def branch_members(caller: Caller, unit_id: str, cursor: str | None) -> dict[str, Any]:
    """A branch's active members (BRANCH_PAGE a page, by member number), each as `card` shows
    her; the branch must be one `branches` lists."""
    unit = None
    if is_unit_id(unit_id):
        with contextlib.suppress(OrgUnit.DoesNotExist):
            unit = OrgUnit.get(unit_id)
    if unit is None or not _listable(caller, unit):  # unknown and out of reach alike
        raise ForbiddenError(NOT_LISTED)
    if unit.kind != "branch":
        raise BadRequestError("请选择一个党支部")
    start = None
    if cursor:
        start = cursors.decode(
            cursor,
            {"branch_id": is_unit_id, "member_no": is_member_no},
            lambda key: key["branch_id"] == unit_id,
        )
    _take_budget(caller)
    page = Member.by_branch.query(unit_id, limit=BRANCH_PAGE, last_evaluated_key=start)
    rows = []
    for member in page:
        shown = card(caller, member, unit) if listed(member) else None
        # Listing a branch says who is in it: only those whose branch she may see.
        if shown and "branch" in shown:
            rows.append(shown)
    return {
        "branch": {"id": unit.unit_id, "name": unit.name},
        "results": rows,
        "next": cursors.encode(page.last_evaluated_key),
    }
