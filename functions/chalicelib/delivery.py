"""The outbox's delivery worker: pushes the messages `outbox.post` wrote to the members' channels.

One run (`run()`, the scheduled function `deliver_messages`, every minute, one at a time):
1. reads the rows due now from the sparse GSI `push-due`, shard by shard (`p0`..`p3`), oldest
   first, at most `PUSH_PER_RUN` of them;
2. decides per row: a muted kind (NotifyPrefs, only kinds whose `mutable` is true) or a member
   without an address on the channel (no WeCom userid, not in the registry, inactive) is marked
   `skipped`; in quiet hours (`PUSH_QUIET_HOURS`, Asia/Shanghai) a non-urgent row's `push_due`
   moves to the morning and it is left for then; urgent rows go at any hour, and so does the
   repeat of a send whose outcome is unknown (below);
3. groups the rest by channel, event and content into one call each (WeCom: touser "a|b|c", at
   most 1000, sorted), keeping the pace: at most `PUSH_PER_RUN` person-times and
   `PUSH_PER_MEMBER_PER_RUN` messages to one member a run, her urgent ones (`urgent`, e.g. a
   meeting change) taking the first places. A row over the run's total stays due
   (it is among the oldest: the next run takes it first); a row over its member's pace has its
   `push_due` moved on (a conditional update, like a hold), her surplus spread over the
   following minutes at her pace, so that the next runs neither read it again nor wait behind
   it: one member's backlog of hundreds never fills a run's reads and keeps nobody else's
   message (urgent or not) waiting;
4. takes each row of a call with a lease (a conditional update: no lease held, the channel still
   `pending`, `push_due` not in the future; `WRITERS` rows at a time) that also records the
   call's id and `sending_at`, stores the call (below), sends, then records the outcome: `sent`
   (and the row leaves the GSI: `push_shard`/`push_due` removed), `failed` for an address WeCom
   refused (`invaliduser`) or a permanent error, or on a transient error (-1, 45009, 45033, no
   answer) `pending` again with `push_due` backed off (`PUSH_BACKOFF_SECONDS`, doubled each
   attempt) until `PUSH_MAX_ATTEMPTS`, then `failed` with the error kept. A message stays in
   the member's 消息 centre whatever becomes of its push.

Exactly once. Two workers never send one row: only the holder of its lease sends it, and the
lease is taken by a conditional write. A row is sent again only when its outcome is not known:
the worker died after WeCom accepted the send but before it recorded `sent` (or WeCom's answer
never came: a timeout). Every send asks WeCom's documented duplicate check
(`enable_duplicate_check: 1`, `duplicate_check_interval: 14400`, its maximum, far longer than the
lease and the whole backoff schedule): "在一定时间间隔内，同样内容（请求json）的消息，不会重复收到".
Whether "the same content" leaves out `touser` or not is not said, so a resend is the identical
request: before a call is made it is stored once (`WeComCache` item `push-call#<id>`, the id a
hash of the text, kept past the window by a TTL): the channel, the card (its link with the site's
origin of that moment and the event's digest, so two events with the same text are not taken for
one) and the recipients sorted by address; each row of the call names it (`call`, written by the
lease with `sending_at`, kept until an outcome is known). A row whose outcome is unknown is not
regrouped: the run that finds it due takes it (and any other row of that call due now) and makes
the stored call again, the same request JSON byte for byte, whatever became of the call's other
rows (settled since, due later: those settle from the same answer or a later identical replay),
whatever was posted since for the same event, however the shards rotate and whatever
SITE_ORIGINS says now. WeCom deduplicates it under either reading. The call is stored after its
rows were leased and before it is sent: where only some rows could be taken, a call to those is
stored and named instead. A call that is not stored (a worker killed between the lease and the
store, or a row from before calls were stored) is never made: its rows are `failed` ("outcome
unknown"), as is a row whose send began longer ago than the window allows (a worker down for
hours). The lease (`PUSH_LEASE_SECONDS`, 90) outlives a run (`PUSH_RUN_SECONDS`, 40, in a
60-second Lambda), so a run that is still sending is never overtaken. Each channel names its own
window (`Sender.resend_window`): the Official Account's template messages carry the event's
digest as their documented idempotency key `client_msg_id`, valid 10 minutes, so there the
stored call is made again within 8 minutes or never (push_senders.MpSender).

Rate limits used (WeCom's documentation: 发送应用消息 document/path/90236 and 访问频率限制
document/path/90454): per application at most (account limit × 200) person-times a day, and to one
member at most 30 a minute and 1000 an hour, the excess dropped silently ("超过部分会被丢弃不
下发"); message sending is not counted in the basic per-API frequency. With one run a minute, 15
messages to one member a run keep any minute at 30 and any hour below 1000; `PUSH_PER_RUN` (5000
person-times) keeps a 10,000-member organisation's daily cap (2,000,000) far away.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from . import clock, quiet_hours
from .message_kinds import KINDS
from .models import Member, Message, NotifyPrefs, WeComCache
from .outbox import PUSH_SHARDS
from .push_senders import DUPLICATE_INTERVAL, Card, Outcome, Sender, active, site_url
from .settings import get_settings
from .wecom_client import WeComError

CHANNELS = ("wecom", "mp")  # the Channel attributes of Message (push_senders.SENDERS' names)
SHARDS = tuple(f"p{i}" for i in range(PUSH_SHARDS))
BATCH = 100  # keys per BatchGetItem
WRITERS = 8  # rows leased and settled at once
# A stored call is kept past the duplicate-check window (DynamoDB's TTL deletes it later still).
CALL_KEEP_SECONDS = DUPLICATE_INTERVAL + 86400
# Counting a backlog reads it (a COUNT Query is billed for what it reads): past this many rows a
# shard the alarm has long fired, and the figure says "at least".
BACKLOG_CAP = 2000

Key = tuple[str, str]


def _key(row: Message) -> Key:
    return row.member_no, row.message_id


def _lost(exc: UpdateError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def _state(row: Message, name: str) -> str | None:
    channel = getattr(row, name, None)
    return channel.state if channel is not None else None


def _pending(row: Message) -> list[str]:
    return [name for name in CHANNELS if _state(row, name) == "pending"]


def _free(now: int) -> Any:
    return Message.lease_until.does_not_exist() | (Message.lease_until < now)


def _chunks(items: list, n: int) -> Iterator[list]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def due_rows(now: int, limit: int) -> list[Message]:
    """Rows with a push due by `now`, oldest first per shard; the starting shard rotates with
    the minute so that a backlog in one shard does not starve the others."""
    rows: list[Message] = []
    first = (now // 60) % len(SHARDS)
    for shard in SHARDS[first:] + SHARDS[:first]:
        if len(rows) >= limit:
            break
        rows += Message.push_due_index.query(
            shard, Message.push_due <= now, limit=limit - len(rows)
        )
    return rows


def backlog(now: int) -> tuple[int, int]:
    """What still waits after a run, for the metrics OutboxBacklog and OutboxOldestSeconds: the
    rows due by `now` (counted up to BACKLOG_CAP a shard) and how many seconds the longest-waiting
    of them has been due. Per shard one item read (the oldest, the index's first) and, only when
    there is one, a COUNT of the due range: an empty outbox costs 4 small Queries a run. Rows
    held for the quiet hours, backed off or spread at a member's pace are not due yet: they
    do not count."""
    waiting, oldest = 0, 0
    for shard in SHARDS:
        due = Message.push_due <= now
        first = next(iter(Message.push_due_index.query(shard, due, limit=1)), None)
        if first is None:
            continue
        oldest = max(oldest, now - int(first.push_due))
        waiting += Message.push_due_index.count(shard, due, limit=BACKLOG_CAP)
    return waiting, oldest


def _members(numbers: Iterable[str]) -> dict[str, Member]:
    keys = sorted(set(numbers))
    out: dict[str, Member] = {}
    for chunk in _chunks(keys, BATCH):
        out.update((m.member_no, m) for m in Member.batch_get(chunk))
    return out


def _muted(numbers: Iterable[str]) -> dict[str, set[str]]:
    keys = sorted(set(numbers))
    out: dict[str, set[str]] = {}
    for chunk in _chunks(keys, BATCH):
        out.update((p.member_no, set(p.muted or ())) for p in NotifyPrefs.batch_get(chunk))
    return out


def _card(row: Message) -> Card:
    link = site_url(row.url, row.event_key)
    return Card(row.title, row.body or row.title, link, row.kind, row.created_at, row.event_key)


def _content(row: Message) -> str:
    return json.dumps([row.event_key, row.title, row.body, row.url], ensure_ascii=False)


def _call_body(name: str, card: Card, to: list[tuple[str, str]]) -> str:
    """One call as stored: the channel, the card (its link's origin included) and the
    recipients sorted by address (address, member number), so that one group is one text."""
    pairs = sorted(to)
    call = {
        "channel": name,
        "card": list(astuple(card)),  # every field a sender builds its request from
        "to": [address for address, _ in pairs],
        "members": [member for _, member in pairs],
    }
    return json.dumps(call, ensure_ascii=False, separators=(",", ":"))


def _call_id(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def _recipients(body: str) -> tuple[list[str], list[str]]:
    """A stored call's member numbers and, in the same order, their addresses."""
    call = json.loads(body)
    return call["members"], call["to"]


def _store(call: str, body: str) -> None:
    """Kept before the call is made: a resend finds exactly what was sent (once per call)."""
    WeComCache(
        f"push-call#{call}", value=body, expires_at=timedelta(seconds=CALL_KEEP_SECONDS)
    ).save()


def _stored(call: str) -> str | None:
    if not call:
        return None
    try:
        item = WeComCache.get(f"push-call#{call}", consistent_read=True)
    except DoesNotExist:
        return None
    body = item.value
    return body if body and _call_id(body) == call else None


class _Run:
    def __init__(self, senders: dict[str, Sender]) -> None:
        self.settings = get_settings()
        self.senders = senders
        self.stats: Counter[str] = Counter()
        self.started = time.monotonic()
        self.leases: dict[Key, int] = {}  # rows this run holds: lease_until
        self.left: Counter[Key] = Counter()  # channel sends still to come per leased row
        self.next_due: dict[Key, int] = {}
        self.earlier: dict[tuple[Key, str], bool] = {}  # an earlier send's outcome is unknown
        self.lock = threading.Lock()

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            self.stats[what] += n

    def each(self, fn: Callable[[Any], Any], items: list) -> list:
        """fn over items, WRITERS at a time: one row's writes are sequential, rows are not (a
        conditional write per row, so 1000 rows take ~1/WRITERS of the time)."""
        if len(items) <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(min(WRITERS, len(items))) as pool:
            return list(pool.map(fn, items))

    # ---- writes without a lease: skip, hold ------------------------------------------------

    def skip(self, row: Message, why: dict[str, str]) -> None:
        now = int(clock.now())
        actions = []
        condition = _free(now)
        for name, reason in why.items():
            channel = getattr(Message, name)
            actions += [channel.state.set("skipped"), channel.error.set(reason)]
            condition &= channel.state == "pending"
        if set(_pending(row)) <= set(why):
            actions += [Message.push_shard.remove(), Message.push_due.remove()]
        try:
            row.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if not _lost(exc):
                raise
            self.count("busy")
            return
        self.count("skipped", len(why))

    def hold(self, row: Message, until: int, what: str = "held") -> None:
        now = int(clock.now())
        try:
            row.update(
                actions=[Message.push_due.set(until)],
                condition=_free(now) & (Message.push_due == row.push_due),
            )
        except UpdateError as exc:
            if not _lost(exc):
                raise
            self.count("busy")
            return
        self.count(what)

    # ---- the lease, the send and its outcome -------------------------------------------------

    def lease(self, row: Message, name: str, call: str | None, replay: bool = False) -> bool:
        """Take the row (or, already holding it for another channel, mark this channel's send).
        A first send records the id of its call (`call`, None: nothing will be sent) with
        `sending_at`; a replay takes the row only while it still names that call."""
        now = int(clock.now())
        channel = getattr(Message, name)
        mine = self.leases.get(_key(row))
        until = mine or now + self.settings.push_lease_seconds
        condition = channel.state == "pending"
        if mine:
            condition &= Message.lease_until == mine
        else:
            condition &= _free(now) & (Message.push_due <= now)
        actions = [Message.lease_until.set(until), channel.attempts.add(1)]
        if replay:  # a row sent before this worker stored calls names none
            condition &= (channel.call == call) if call else channel.call.does_not_exist()
        elif call is not None:
            actions += [channel.sending_at.set(now), channel.call.set(call)]
        try:
            row.update(actions=actions, condition=condition)
        except UpdateError as exc:
            if not _lost(exc):
                raise
            self.count("busy")
            return False
        self.leases[_key(row)] = until
        self.earlier[_key(row), name] = replay
        return True

    def settle(self, row: Message, name: str, state: str, error: str | None, **kw: Any) -> None:
        """Write one channel's outcome; the row's last one also releases the lease and, with no
        channel pending any more, takes the row out of the GSI."""
        key = _key(row)
        channel_attr = getattr(Message, name)
        actions = [channel_attr.state.set(state)]
        actions.append(channel_attr.error.set(error) if error else channel_attr.error.remove())
        if state == "sent":
            actions.append(channel_attr.sent_at.set(int(clock.now())))
        if kw.get("clear_sending", True):
            actions += [channel_attr.sending_at.remove(), channel_attr.call.remove()]
        getattr(row, name).state = state
        if "retry_at" in kw:
            self.next_due[key] = min(self.next_due.get(key, kw["retry_at"]), kw["retry_at"])
        self.left[key] -= 1
        if self.left[key] <= 0:
            if not _pending(row):
                actions += [Message.push_shard.remove(), Message.push_due.remove()]
            elif key in self.next_due:
                actions.append(Message.push_due.set(self.next_due[key]))
            actions.append(Message.lease_until.remove())
        try:
            row.update(actions=actions, condition=Message.lease_until == self.leases[key])
        except UpdateError as exc:
            if not _lost(exc):
                raise
            self.count("lease_lost")  # another worker took over: its outcome stands
            return
        self.count(state if "retry_at" not in kw else "retried")

    def take(self, name: str, rows: list[Message], call: str | None, replay: bool) -> list:
        def one(row: Message) -> bool:
            if self.over_time():  # stop taking rows; those taken are sent and settled
                self.count("deferred")
                self.left[_key(row)] -= 1
                return False
            return self.lease(row, name, call, replay)

        return [r for r, taken in zip(rows, self.each(one, rows), strict=True) if taken]

    def renamed(self, row: Message, name: str, call: str) -> bool:
        """Point a leased row at the call actually made (some rows of the planned one were
        taken by another worker)."""
        try:
            row.update(
                actions=[getattr(Message, name).call.set(call)],
                condition=Message.lease_until == self.leases[_key(row)],
            )
        except UpdateError as exc:
            if not _lost(exc):
                raise
            self.count("lease_lost")
            return False
        return True

    def send(self, name: str, entries: list[tuple[Message, str]]) -> None:
        """A first send: lease the rows (naming the call), store the call, then make it."""
        address = {_key(row): a for row, a in entries}
        try:
            card = _card(entries[0][0])
        except WeComError as exc:  # the card could not be made (no site origin): nothing sent
            leased = self.take(name, [row for row, _ in entries], None, False)
            failure = Outcome(error=str(exc))
            self.each(lambda row: self.outcome(row, name, address[_key(row)], failure), leased)
            return
        body = _call_body(name, card, [(a, row.member_no) for row, a in entries])
        call = _call_id(body)
        leased = self.take(name, [row for row, _ in entries], call, False)
        if not leased:
            return
        if len(leased) < len(entries):  # a call to the rows this run holds, and only to them
            body = _call_body(name, card, [(address[_key(r)], r.member_no) for r in leased])
            call = _call_id(body)
            _store(call, body)
            kept = self.each(lambda row: self.renamed(row, name, call), leased)
            leased = [row for row, ok in zip(leased, kept, strict=True) if ok]
        else:
            _store(call, body)
        # Whatever the store above holds is exactly what goes out: only then is it sent.
        self.call(name, body, {_key(r): address[_key(r)] for r in leased}, leased)

    def replay(self, name: str, call: str, rows: list[Message]) -> None:
        """A send whose outcome is unknown: the stored call again, byte for byte, once for all
        its rows due now (its other rows settle from a later replay of the same call)."""
        now = int(clock.now())
        leased = self.take(name, rows, call, True)
        body = _stored(call) if leased else None  # read once for all its rows
        to = dict(zip(*_recipients(body), strict=True)) if body else {}
        ready = []
        for row in leased:
            if now - getattr(row, name).sending_at > self.senders[name].resend_window:
                self.settle(row, name, "failed", "outcome unknown: sent long ago, not resent")
                continue
            if row.member_no not in to:
                self.settle(row, name, "failed", "outcome unknown: its call is not stored")
                continue
            ready.append(row)
        if ready:
            self.count("replayed", len(ready))
            self.call(name, body, {_key(r): to[r.member_no] for r in ready}, ready)

    def call(self, name: str, body: str, address: dict[Key, str], rows: list[Message]) -> None:
        """Make the stored call `body` and settle `rows` by its answer."""
        stored = json.loads(body)
        outcome = self.senders[name].send(Card(*stored["card"]), list(stored["to"]))
        self.count("calls")
        self.each(
            lambda row: self.outcome(row, name, address[_key(row)], outcome.of(address[_key(row)])),
            rows,
        )

    def outcome(self, row: Message, name: str, address: str, outcome: Outcome) -> None:
        now = int(clock.now())
        channel = getattr(row, name)
        if outcome.error is None:
            if address in outcome.invalid:
                self.settle(row, name, "failed", "invaliduser: not a member of the app")
            else:
                self.settle(row, name, "sent", None)
            return
        if outcome.permanent or channel.attempts >= self.settings.push_max_attempts:
            self.settle(row, name, "failed", outcome.error[:500], clear_sending=False)
            return
        # A known refusal by this attempt clears its mark; an unknown outcome, or an earlier
        # unknown one, keeps it: the next attempt is then a replay of the same call.
        clear = not outcome.unknown and not self.earlier[_key(row), name]
        wait = self.settings.push_backoff_seconds * 2 ** (max(channel.attempts, 1) - 1)
        self.settle(
            row, name, "pending", outcome.error[:500], clear_sending=clear, retry_at=now + wait
        )

    # ---- one run -------------------------------------------------------------------------------

    def over_time(self) -> bool:
        return time.monotonic() - self.started > self.settings.push_run_seconds

    def __call__(self) -> dict[str, int]:
        s = self.settings
        now = int(clock.now())
        rows = due_rows(now, s.push_per_run)
        self.stats["due"] = len(rows)
        rows = [r for r in rows if not (r.lease_until and r.lease_until >= now)]
        # A member's urgent messages take her pace's first places (then oldest first).
        rows.sort(key=lambda r: not r.urgent)
        self.stats["busy"] = self.stats["due"] - len(rows)
        members = _members(r.member_no for r in rows)
        mutable = [r.member_no for r in rows if KINDS.get(r.kind) and KINDS[r.kind].mutable]
        muted = _muted(mutable)
        quiet_until = quiet_hours.held_until(now)
        active = [m for m in members.values() if m.active]
        addresses = {name: sender.addresses(active) for name, sender in self.senders.items()}
        groups: dict[tuple[str, str], list[tuple[Message, str]]] = {}
        replays: dict[tuple[str, str], list[Message]] = {}
        per_member: Counter[str] = Counter()
        surplus: Counter[str] = Counter()  # rows over one member's pace, moved on
        total = 0
        holds: list[tuple[Message, int, str]] = []
        skips: list[tuple[Message, dict[str, str]]] = []
        for row in rows:
            # A send whose outcome is unknown is its stored call again, at any hour and whatever
            # was muted since (WeCom most likely has it: the same request is deduplicated).
            unsure = [n for n in _pending(row) if getattr(row, n).sending_at and n in self.senders]
            for name in unsure:
                replays.setdefault((name, getattr(row, name).call or ""), []).append(row)
                self.left[_key(row)] += 1
            per_member[row.member_no] += 1 if unsure else 0
            total += len(unsure)
            pending = [n for n in _pending(row) if n not in unsure]
            spec = KINDS.get(row.kind)
            if pending and spec and spec.mutable and row.kind in muted.get(row.member_no, ()):
                skips.append((row, {n: "muted" for n in pending}))
                continue
            if pending and quiet_until and not row.urgent and not unsure:
                holds.append((row, quiet_until, "held"))
                continue
            why, sendable = {}, []
            for name in pending:
                sender = self.senders.get(name)
                address = addresses[name].get(row.member_no) if sender else None
                if sender is None:
                    why[name] = "channel not configured"
                elif reason := sender.unsupported(row.kind):
                    why[name] = reason
                elif address is None:
                    # Not in the registry, inactive, or no userid / openid bound yet.
                    why[name] = "no address on this channel (member, userid or openid missing)"
                else:
                    sendable.append((name, address))
            if sendable and total + len(sendable) > s.push_per_run:
                self.count("deferred")  # the run is full: due still, the first of the next run
                continue
            if sendable and per_member[row.member_no] >= s.push_per_member_per_run and not unsure:
                # Over her pace: moved on to a later minute (spread, a run's pace per minute),
                # so the next runs neither read it again nor wait behind it.
                k = surplus[row.member_no]
                surplus[row.member_no] += 1
                holds.append((row, now + 60 * (1 + k // s.push_per_member_per_run), "paced"))
                continue
            if why or (not pending and not unsure):
                skips.append((row, why))
            per_member[row.member_no] += 1 if sendable else 0
            total += len(sendable)
            for name, address in sendable:
                groups.setdefault((name, _content(row)), []).append((row, address))
                self.left[_key(row)] += 1
        self.each(lambda hold: self.hold(*hold), holds)
        self.each(lambda skip: self.skip(*skip), skips)
        for (name, call), group in replays.items():
            self.replay(name, call, group)
        for (name, _), entries in groups.items():
            entries.sort(key=lambda entry: entry[1])  # by address: one group, one call
            for chunk in _chunks(entries, self.senders[name].max_recipients):
                if self.over_time():
                    self.count("deferred", len(chunk))
                    continue
                self.send(name, chunk)
        return dict(self.stats)


def run(senders: dict[str, Sender] | None = None) -> dict[str, int]:
    """One delivery run over the channels this stage has; counts of what it did."""
    senders = active() if senders is None else senders
    if not senders:
        return {}
    return _Run(senders)()


if __name__ == "__main__":  # one run from the command line (tests run a worker to kill it)
    print(json.dumps(run()), flush=True)
