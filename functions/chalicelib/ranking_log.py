"""What changed since the ranking job's last run: the members each aggregator batch touched, and
the registry's version.

Why a log item per batch: the job must know which members' totals moved without reading every
total. The aggregator (`points_stream.apply`) writes ONE small item per batch listing the member
numbers it applied (a few bytes a member: a 500-record batch stays under 5 KB), after it wrote the
totals, so a job that sees the item reads totals at least as new. No index and no per-award write:
the log's key is the UTC day and the time of the write, which the job reads with one Query a day
it spans. Its cursor trails its last run by `OVERLAP_MS` (a write's timestamp is taken just before
the write, so an item can appear a little after its time) and it remembers the keys it applied
within that overlap, so an entry is applied once and a late one is not missed.

A replayed batch records its members again (the members are those of the batch, written or
not), so a batch cut between its totals and its log item is recorded by its retry.

The registry (org units and members) changes only through the importers and the test fixtures;
each calls `registry_changed()` once, and the job re-reads the registry only when the version it
computed with is not the current one. Activation and logins do not touch what a board shows
(name, branch, active), so they do not bump it. The job's daily full recompute repairs anything
that bypassed this.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from . import clock
from .models import RankingState

KEEP_SECONDS = 2 * 86_400  # TTL: the job runs every 10 minutes; 2 days of slack
OVERLAP_MS = 120_000


def _scope(ms: int) -> str:
    return "log#" + datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()


def record(member_nos: Iterable[str]) -> None:
    """One PutItem: these members' totals may have changed (called once per aggregator batch)."""
    members = set(member_nos)
    if not members:
        return
    now = clock.now()
    ms = int(now * 1000)
    RankingState(
        _scope(ms),
        f"{ms:013d}#{uuid.uuid4().hex[:8]}",
        members=members,
        expires=datetime.fromtimestamp(now + KEEP_SECONDS, UTC),
    ).save()


def entries_since(cursor_ms: int, now_ms: int) -> dict[str, set[str]]:
    """Log key → the members it lists, for the entries after `cursor_ms` (one consistent Query
    per UTC day spanned)."""
    out: dict[str, set[str]] = {}
    day = datetime.fromtimestamp(cursor_ms / 1000, UTC).date()
    last = datetime.fromtimestamp(now_ms / 1000, UTC).date()
    while day <= last:
        for item in RankingState.query(
            "log#" + day.isoformat(),
            RankingState.key > f"{cursor_ms:013d}",
            consistent_read=True,
        ):
            out[item.key] = set(item.members or ())
        day = day.fromordinal(day.toordinal() + 1)
    return out


def registry_changed() -> None:
    """Bump the registry's version: the next ranking run re-reads the registry whole."""
    RankingState("meta", "registry").update(actions=[RankingState.version.add(1)])
