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
   most 1000), keeping the pace: at most `PUSH_PER_RUN` person-times and
   `PUSH_PER_MEMBER_PER_RUN` messages to one member a run (what is over waits for the next run);
4. takes each row of a call with a lease (a conditional update: no lease held, the channel still
   `pending`, `push_due` not in the future; `WRITERS` rows at a time), then sends, then records
   the outcome: `sent` (and the row leaves the GSI: `push_shard`/`push_due` removed), `failed`
   for an address WeCom refused (`invaliduser`) or a permanent error, or on a transient error
   (-1, 45009, 45033, no answer) `pending` again with `push_due` backed off
   (`PUSH_BACKOFF_SECONDS`, doubled each attempt) until `PUSH_MAX_ATTEMPTS`, then `failed` with
   the error kept. A message stays in the member's
   消息 centre whatever becomes of its push.

Exactly once. Two workers never send one row: only the holder of its lease sends it, and the
lease is taken by a conditional write. A row is sent again only when its outcome is not known:
the worker died after WeCom accepted the send but before it recorded `sent` (or WeCom's answer
never came: a timeout). For that case the lease write also records `sending_at` (kept until an
outcome is known), and every send asks WeCom's documented duplicate check
(`enable_duplicate_check: 1`, `duplicate_check_interval: 14400`, its maximum, far longer than the
lease and the whole backoff schedule): "在一定时间间隔内，同样内容（请求json）的消息，不会重复收到".
The card of a message is the same JSON on every attempt (its link carries the event's digest, so
two different events with the same text are not taken for one), so the worker that picks the row
up after the lease ran out sends it again and WeCom does not deliver it a second time. Past that
window (a worker down for hours) the duplicate check no longer protects: the row is marked
`failed` ("outcome unknown") rather than risk a second delivery. The lease (`PUSH_LEASE_SECONDS`,
90) outlives a run (`PUSH_RUN_SECONDS`, 40, in a 60-second Lambda), so a run that is still
sending is never overtaken. Each channel names its own window (`Sender.resend_window`): the
Official Account's template messages carry the event's digest as their documented idempotency
key `client_msg_id`, valid 10 minutes, so there the repeat happens within 8 minutes or never
(push_senders.MpSender).

Rate limits used (WeCom's documentation: 发送应用消息 document/path/90236 and 访问频率限制
document/path/90454): per application at most (account limit × 200) person-times a day, and to one
member at most 30 a minute and 1000 an hour, the excess dropped silently ("超过部分会被丢弃不
下发"); message sending is not counted in the basic per-API frequency. With one run a minute, 15
messages to one member a run keep any minute at 30 and any hour below 1000; `PUSH_PER_RUN` (5000
person-times) keeps a 10,000-member organisation's daily cap (2,000,000) far away.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pynamodb.exceptions import UpdateError

from . import clock, quiet_hours
from .message_kinds import KINDS
from .models import Member, Message, NotifyPrefs
from .outbox import PUSH_SHARDS
from .push_senders import Card, Outcome, Sender, active, site_url
from .settings import get_settings
from .wecom_client import WeComError

CHANNELS = ("wecom", "mp")  # the Channel attributes of Message (push_senders.SENDERS' names)
SHARDS = tuple(f"p{i}" for i in range(PUSH_SHARDS))
BATCH = 100  # keys per BatchGetItem
WRITERS = 8  # rows leased and settled at once

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

    def hold(self, row: Message, until: int) -> None:
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
        self.count("held")

    # ---- the lease, the send and its outcome -------------------------------------------------

    def lease(self, row: Message, name: str) -> bool:
        """Take the row (or, already holding it for another channel, mark this channel's send)."""
        now = int(clock.now())
        channel = getattr(Message, name)
        mine = self.leases.get(_key(row))
        until = mine or now + self.settings.push_lease_seconds
        condition = channel.state == "pending"
        if mine:
            condition &= Message.lease_until == mine
        else:
            condition &= _free(now) & (Message.push_due <= now)
        try:
            row.update(
                actions=[
                    Message.lease_until.set(until),
                    channel.attempts.add(1),
                    channel.sending_at.set(channel.sending_at | now),
                ],
                condition=condition,
            )
        except UpdateError as exc:
            if not _lost(exc):
                raise
            self.count("busy")
            return False
        self.leases[_key(row)] = until
        self.earlier[_key(row), name] = getattr(row, name).sending_at != now
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
            actions.append(channel_attr.sending_at.remove())
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

    def send(self, name: str, entries: list[tuple[Message, str]]) -> None:
        sender = self.senders[name]

        def take(entry: tuple[Message, str]) -> bool:
            if self.over_time():  # stop taking rows; those taken are sent and settled
                self.count("deferred")
                return False
            return self.lease(entry[0], name)

        leased = [e for e, taken in zip(entries, self.each(take, entries), strict=True) if taken]
        now = int(clock.now())
        ready = []
        for row, address in leased:
            began = getattr(row, name).sending_at
            if self.earlier[_key(row), name] and now - began > sender.resend_window:
                self.settle(row, name, "failed", "outcome unknown: sent long ago, not resent")
            else:
                ready.append((row, address))
        if not ready:
            return
        try:
            outcome = sender.send(_card(ready[0][0]), [address for _, address in ready])
        except WeComError as exc:  # the card could not be made (no site origin)
            outcome = Outcome(error=str(exc))
        self.count("calls")
        self.each(lambda e: self.outcome(e[0], name, e[1], outcome.of(e[1]), now), ready)

    def outcome(self, row: Message, name: str, address: str, outcome: Outcome, now: int) -> None:
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
        # unknown one, keeps it: the resend then stays within the duplicate-check window.
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
        self.stats["busy"] = self.stats["due"] - len(rows)
        members = _members(r.member_no for r in rows)
        mutable = [r.member_no for r in rows if KINDS.get(r.kind) and KINDS[r.kind].mutable]
        muted = _muted(mutable)
        quiet_until = quiet_hours.held_until(now)
        active = [m for m in members.values() if m.active]
        addresses = {name: sender.addresses(active) for name, sender in self.senders.items()}
        groups: dict[tuple[str, str], list[tuple[Message, str]]] = {}
        per_member: Counter[str] = Counter()
        total = 0
        holds: list[Message] = []
        skips: list[tuple[Message, dict[str, str]]] = []
        for row in rows:
            pending = _pending(row)
            spec = KINDS.get(row.kind)
            if pending and spec and spec.mutable and row.kind in muted.get(row.member_no, ()):
                skips.append((row, {n: "muted" for n in pending}))
                continue
            # A send whose outcome is unknown is repeated even at night (WeCom most likely has
            # it and its duplicate check answers): held till morning it would outlive the window.
            unsure = any(getattr(row, n).sending_at for n in pending)
            if pending and quiet_until and not row.urgent and not unsure:
                holds.append(row)
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
            over = total + len(sendable) > s.push_per_run
            if sendable and (over or per_member[row.member_no] >= s.push_per_member_per_run):
                self.count("deferred")  # the pace: the next run
                continue
            if why or not pending:
                skips.append((row, why))
            per_member[row.member_no] += 1 if sendable else 0
            total += len(sendable)
            for name, address in sendable:
                groups.setdefault((name, _content(row)), []).append((row, address))
                self.left[_key(row)] += 1
        self.each(lambda row: self.hold(row, quiet_until or 0), holds)
        self.each(lambda skip: self.skip(*skip), skips)
        for (name, _), entries in groups.items():
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
