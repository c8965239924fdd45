"""The reminder runner: which reminders are due in this Beijing hour, and sending one.

`run_due()` is the scheduled function's work (hourly, on the hour): every runnable reminder
(reminder_defs) whose schedule has an occurrence today at or before now and whose run for today
is not finished (ReminderRun) is run: its audience resolved, one message per recipient posted
to the outbox under `reminder:<key>:<YYYY-MM-DD>`, then the run marked finished. A run missed
(the function did not fire, or failed half-way) is done by the next run the same day; a repeated
run sends nothing twice (the outbox's event keys), and once marked costs one read a day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from . import clock, outbox
from .audiences import Context, Delivery
from .models import ReminderRun
from .reminder_defs import Reminder, reminders

log = logging.getLogger(__name__)
KEEP_RUNS = timedelta(days=90)  # how long a finished run's marker is kept (TTL)


@dataclass
class Outcome:
    key: str
    period: str
    recipients: int = 0
    created: int = 0
    existing: int = 0
    previews: list[tuple[str, str, str, str]] = field(default_factory=list)  # dry runs


def event_key(reminder: Reminder, day: date) -> str:
    return f"reminder:{reminder.key}:{day.isoformat()}"


def _now() -> datetime:
    return datetime.fromtimestamp(clock.now(), clock.TZ)


def run_one(
    reminder: Reminder,
    day: date | None = None,
    *,
    ctx: Context | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Resolve the reminder's audience for `day` (today by default) and post its messages; a
    dry run posts nothing and returns what it would send."""
    if reminder.waiting_for:
        raise ValueError(f"{reminder.key}：{reminder.status()}")
    moment = _now()
    if day is not None and day != moment.date():
        # Another day's run (an operator's catch-up): resolved as at the reminder's time then.
        moment = datetime.combine(day, reminder.schedule.at, clock.TZ)
    ctx = ctx or Context(moment)
    ctx.dry_run = dry_run
    day = ctx.day
    out = Outcome(reminder.key, day.isoformat())
    assert reminder.audience.resolve is not None
    deliveries: list[Delivery] = list(reminder.audience.resolve(ctx, reminder.params))
    out.recipients = len(deliveries)
    key = event_key(reminder, day)
    for d in deliveries:
        title, body, url = reminder.render({**reminder.params, **d.fields})
        if dry_run:
            out.previews.append((d.member_no, title, body, url))
            continue
        got = outbox.post(key, reminder.kind, [d.member_no], title, body, url, about=d.about)
        out.created += got.created
        out.existing += got.existing
    if not dry_run:
        ReminderRun(
            reminder.key,
            day.isoformat(),
            finished_at=clock.now(),
            created=out.created,
            existing=out.existing,
            expires_at=datetime.fromtimestamp(clock.now(), UTC) + KEEP_RUNS,
        ).save()
    return out


def due(moment: datetime | None = None) -> list[tuple[Reminder, date]]:
    """The runnable reminders whose occurrence today is at or before now, with the day."""
    moment = moment or _now()
    out = []
    for reminder in reminders():
        day = reminder.schedule.due(moment) if reminder.runnable else None
        if day is not None:
            out.append((reminder, day))
    return out


def _finished(wanted: list[tuple[Reminder, date]]) -> set[tuple[str, str]]:
    keys = [(r.key, d.isoformat()) for r, d in wanted]
    return {(m.reminder, m.period) for m in ReminderRun.batch_get(keys)} if keys else set()


def run_due() -> dict:
    """The scheduled run: every due reminder not yet finished today. One failing reminder does
    not stop the others; the run raises at the end if any failed (the function's error metric,
    and its retry, which sends nothing twice)."""
    moment = _now()
    wanted = due(moment)
    finished = _finished(wanted)
    ctx = Context(moment)
    ran, failed = [], []
    for reminder, day in wanted:
        if (reminder.key, day.isoformat()) in finished:
            continue
        try:
            got = run_one(reminder, day, ctx=ctx)
        except Exception:
            log.exception("reminder %s failed", reminder.key)
            failed.append(reminder.key)
            continue
        ran.append(
            {"key": got.key, "period": got.period, "recipients": got.recipients,
             "created": got.created, "existing": got.existing}
        )  # fmt: skip
    stats = {
        "at": moment.isoformat(timespec="minutes"),
        "due": len(wanted),
        "ran": ran,
        "failed": failed,
        "waiting": [r.key for r in reminders() if r.enabled and r.waiting_for],
    }
    if failed:
        raise RuntimeError(f"reminders failed: {', '.join(failed)} ({stats})")
    return stats
