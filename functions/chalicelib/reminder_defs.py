"""The reminders, as data: `reminders.toml` beside this module, read and checked here.

Each `[[reminder]]` names its message kind (message_kinds.KINDS), its audience (a resolver in
audiences.AUDIENCES), its schedule in Beijing time, its title and text with named fields, and
the site path it links to. Loading checks everything a run would trip over and reports each
problem as `file:line: 提醒「key」字段 field：message`; nothing is loaded if anything is wrong.

Schedules (local Asia/Shanghai time, at most 23:00: the runner runs on the hour, and a reminder
is sent by the first run at or after its time, the same day):
    daily 08:30          every day
    weekdays 09:00       Monday to Friday
    weekly mon 09:00     one day a week (mon tue wed thu fri sat sun)
    monthly 20 09:00     one day a month, 1 to 28
    monthly last 10:00   the month's last day
"""

from __future__ import annotations

import calendar
import re
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from . import quiet_hours, toml_entries
from .audiences import AUDIENCES, Audience
from .clock import TZ
from .message_kinds import KINDS
from .settings import get_settings

DEFAULT_FILE = Path(__file__).with_name("reminders.toml")
TITLE_MAX_BYTES = 128  # outbox.TITLE_MAX_BYTES (WeCom's text card)
BODY_MAX_BYTES = 512
LATEST = time(23, 0)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_SCHEDULE = re.compile(
    r"^(?P<every>daily|weekdays|weekly|monthly)"
    r"(?: (?P<day>mon|tue|wed|thu|fri|sat|sun|last|\d{1,2}))?"
    r" (?P<hh>\d{2}):(?P<mm>\d{2})$"
)
FIELDS = {"key", "kind", "audience", "schedule", "title", "template", "link", "params", "enabled"}
REQUIRED = ("key", "kind", "audience", "schedule", "title", "template", "link")


class ReminderFileError(ValueError):
    """Every problem of the file, one `file:line: ...` per line."""


@dataclass(frozen=True)
class Schedule:
    text: str
    every: str  # daily / weekdays / weekly / monthly
    day: int | None  # weekly: 0 = Monday; monthly: 1..28, or -1 for the last day
    at: time

    def occurs_on(self, day: date) -> bool:
        if self.every == "daily":
            return True
        if self.every == "weekdays":
            return day.weekday() < 5
        if self.every == "weekly":
            return day.weekday() == self.day
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == (last if self.day == -1 else self.day)

    def due(self, local: datetime) -> date | None:
        """The day whose occurrence is due at this local time: today's if it is at or before
        now (a run later the same day catches up one that was missed), else None."""
        day = local.date()
        return day if self.occurs_on(day) and local.time() >= self.at else None


@dataclass(frozen=True)
class Reminder:
    key: str
    kind: str
    audience: Audience
    schedule: Schedule
    title: str
    template: str
    link: str
    params: dict[str, Any]
    enabled: bool
    where: str  # file:line of its [[reminder]]

    @property
    def waiting_for(self) -> str | None:
        return self.audience.waiting_for if self.audience.resolve is None else None

    @property
    def runnable(self) -> bool:
        return self.enabled and self.waiting_for is None

    def status(self) -> str:
        if self.waiting_for:
            return f"等待数据来源：{self.waiting_for}"
        return "运行" if self.enabled else "停用"

    def render(self, fields: dict[str, Any]) -> tuple[str, str, str]:
        """(title, body, link) filled in; an over-long title or body is cut to WeCom's limits."""
        return (
            fit(self.title.format_map(fields), TITLE_MAX_BYTES),
            fit(self.template.format_map(fields), BODY_MAX_BYTES),
            self.link.format_map(fields),
        )


def fit(text: str, max_bytes: int) -> str:
    """The text, or as much of it as fits in max_bytes with "…" (a long name, say)."""
    if len(text.encode()) <= max_bytes:
        return text
    while len((text + "…").encode()) > max_bytes:
        text = text[:-1]
    return text + "…"


def _in_quiet_hours(at: time) -> bool:
    """Would a reminder due at `at` be posted (by the first hourly run at or after it) inside
    the quiet hours, and so pushed only the next morning? Any day serves: no DST in Beijing."""
    posted = datetime.combine(date(2026, 1, 5), time(at.hour), TZ)
    if at.minute:
        posted += timedelta(hours=1)
    return quiet_hours.held_until(posted.timestamp()) is not None


def parse_schedule(text: str) -> Schedule:
    """A schedule string, or ValueError with the reason in Chinese."""
    found = _SCHEDULE.match(text.strip()) if isinstance(text, str) else None
    if not found:
        raise ValueError(
            f"无法识别「{text}」：应为 daily HH:MM、weekdays HH:MM、weekly mon HH:MM、"
            "monthly 20 HH:MM 或 monthly last HH:MM"
        )
    every, day_text = found["every"], found["day"]
    hh, mm = int(found["hh"]), int(found["mm"])
    if hh > 23 or mm > 59:
        raise ValueError(f"时间「{hh:02d}:{mm:02d}」不存在")
    at = time(hh, mm)
    if at > LATEST:
        raise ValueError("最晚 23:00（每小时整点运行一次，须在当天内发出）")
    day: int | None = None
    if every in ("daily", "weekdays"):
        if day_text:
            raise ValueError(f"{every} 后面直接写时间，不写日期")
    elif every == "weekly":
        if day_text not in WEEKDAYS:
            raise ValueError("weekly 后面写星期：mon tue wed thu fri sat sun")
        day = WEEKDAYS.index(day_text)
    else:
        if day_text == "last":
            day = -1
        elif day_text and day_text.isdigit() and 1 <= int(day_text) <= 28:
            day = int(day_text)
        else:
            raise ValueError("monthly 后面写 1 到 28 日，或 last（月末）")
    return Schedule(text.strip(), every, day, at)


def template_fields(text: str) -> list[str]:
    """The named fields a template uses, or ValueError for anything but plain `{name}`."""
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValueError(f"花括号不成对（{exc}）；要写花括号本身请写 {{{{ 或 }}}}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"字段只能写成 {{名字}}，不能是「{{{name}}}」")
        names.append(name)
    return names


def load(path: Path = DEFAULT_FILE) -> list[Reminder]:
    """Every reminder of the file, checked; ReminderFileError lists every problem."""
    found = toml_entries.read(path, "reminder", ReminderFileError)
    problems: list[str] = []
    for name in found.other_tables:
        problems.append(f"{path}:1: 未知的表「{name}」：每条提醒写成 [[reminder]]")
    out: list[Reminder] = []
    seen: dict[str, int] = {}
    for entry, head in found.entries:
        label = str(entry.get("key", "?"))

        def bad(field: str, message: str, entry_head: int = head, label: str = label) -> None:
            line = found.field_line(entry_head, field)
            problems.append(f"{path}:{line}: 提醒「{label}」字段 {field}：{message}")

        reminder = _entry(entry, head, path, bad)
        if reminder is None:
            continue
        if reminder.key in seen:
            bad("key", f"与第 {seen[reminder.key]} 行的提醒重复")
            continue
        seen[reminder.key] = head
        out.append(reminder)
    if problems:
        raise ReminderFileError("\n".join(problems))
    return out


def _entry(entry: dict[str, Any], head: int, path: Path, bad: Any) -> Reminder | None:
    errors = 0

    def fail(field: str, message: str) -> None:
        nonlocal errors
        errors += 1
        bad(field, message)

    for name in sorted(set(entry) - FIELDS):
        fail(name, f"未知字段（可用：{'、'.join(sorted(FIELDS))}）")
    for name in REQUIRED:
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            fail(name, "缺少，或不是文字")
    if errors:
        return None
    key, kind = entry["key"], entry["kind"]
    if not KEY.match(key):
        fail("key", "只能用小写字母、数字和 _，以字母开头")
    if kind not in KINDS:
        fail(
            "kind",
            f"未知的消息类型「{kind}」（可用：{'、'.join(KINDS)}；新类型加在 message_kinds.py）",
        )
    audience = AUDIENCES.get(entry["audience"])
    if audience is None:
        fail("audience", f"未知的对象「{entry['audience']}」（可用：{'、'.join(AUDIENCES)}）")
    schedule = None
    try:
        schedule = parse_schedule(entry["schedule"])
    except ValueError as exc:
        fail("schedule", str(exc))
    if schedule and kind in KINDS and not KINDS[kind].urgent and _in_quiet_hours(schedule.at):
        fail(
            "schedule",
            f"{schedule.at:%H:%M} 后的第一次整点运行落在免打扰时段（PUSH_QUIET_HOURS "
            f"{get_settings().push_quiet_hours}）：推送要到次日早上才发出，请改早一些",
        )
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        fail("enabled", "只能是 true 或 false")
    params = entry.get("params", {})
    if not isinstance(params, dict):
        fail("params", "应写成 params = { 名字 = 数字 }")
        params = {}
    if audience is not None:
        for name, value in params.items():
            if name not in audience.params:
                known = "、".join(audience.params) or "无"
                fail("params", f"对象 {audience.name} 没有参数「{name}」（可用：{known}）")
            elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
                fail("params", f"参数 {name} 应为正整数")
        params = {**audience.params, **params}
        for field in ("title", "template", "link"):
            try:
                used = template_fields(entry[field])
            except ValueError as exc:
                fail(field, str(exc))
                continue
            missing = [n for n in used if n not in audience.fields]
            if missing:
                fail(
                    field,
                    f"使用了对象 {audience.name} 不提供的字段 "
                    + "、".join("{" + n + "}" for n in missing)
                    + f"（可用：{'、'.join('{' + f + '}' for f in sorted(audience.fields))}）",
                )
    if audience is not None and schedule is not None and audience.check_schedule:
        problem = audience.check_schedule(schedule.every, schedule.day)
        if problem:
            fail("schedule", problem)
    link = entry["link"]
    if not link.startswith("/") or link.startswith("//"):
        fail("link", "应为本站路径，以 / 开头（如 /review.html）")
    if errors or audience is None or schedule is None:
        return None
    reminder = Reminder(
        key=key,
        kind=kind,
        audience=audience,
        schedule=schedule,
        title=entry["title"].strip(),
        template=entry["template"].strip(),
        link=link,
        params=params,
        enabled=enabled,
        where=f"{path}:{head}",
    )
    # With the audience's longest sample values: the text must fit WeCom's text card.
    sample = {**audience.sample, **params}
    if len(reminder.title.format_map(sample).encode()) > TITLE_MAX_BYTES:
        fail("title", f"填入字段后超过 {TITLE_MAX_BYTES} 字节（约 40 个汉字）")
    if len(reminder.template.format_map(sample).encode()) > BODY_MAX_BYTES:
        fail("template", f"填入字段后超过 {BODY_MAX_BYTES} 字节（约 170 个汉字）")
    return None if errors else reminder


_cache: dict[Path, list[Reminder]] = {}


def reminders(path: Path = DEFAULT_FILE) -> list[Reminder]:
    """The file's reminders, loaded once per process."""
    if path not in _cache:
        _cache[path] = load(path)
    return _cache[path]


def by_key(key: str, path: Path = DEFAULT_FILE) -> Reminder:
    for reminder in reminders(path):
        if reminder.key == key:
            return reminder
    raise KeyError(key)
