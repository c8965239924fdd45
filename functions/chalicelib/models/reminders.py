"""Scheduled reminders: which (reminder, day) runs are finished, so the hourly runner does
its work once a day and every later run that day costs one read."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.models import Model

from .base import table_meta


class ReminderRun(Model):
    """One finished run of one reminder for one day (Asia/Shanghai). Absent: not run yet, or
    cut short (the next run repeats it; the outbox's event keys keep anyone from getting a
    message twice)."""

    Meta = table_meta("reminder-runs")
    reminder = UnicodeAttribute(hash_key=True)  # the reminder's key in reminders.toml
    period = UnicodeAttribute(range_key=True)  # the local date it ran for, YYYY-MM-DD
    finished_at = NumberAttribute()  # epoch seconds
    created = NumberAttribute(default=0)  # messages written by this run
    existing = NumberAttribute(default=0)  # already there (an earlier, cut-short run)
    expires_at = TTLAttribute(null=True)
