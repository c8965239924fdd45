"""A branch's 三会一课 记录 for a period, in the layout of a paper 记录本: every meeting of the unit
(Meeting `by-unit`, cancelled ones left out) with its date, kind, topic, host and recorder, who
was invited and present, who was absent and why, the minutes, the decisions and the corrections
appended after the lock. `book()` is the JSON the page prints; `workbook()` the same as XLSX.

Read scope over the unit is required (the one scope check); an unknown unit is refused like one
out of scope, so nobody learns which ids exist.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from . import clock, meeting_kinds, registry, scope
from .errors import BadRequestError, NotFoundError
from .models import Attendance, Meeting
from .scope import Caller

MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")  # ASCII digits only, the whole value
MAX_MONTHS = 12
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATE_LABELS = {"locked": "已归档", "scheduled": "记录未提交"}
FIELD_LABELS = {
    "minutes": "会议记录",
    "decisions": "会议决议",
    "present": "出勤",
    "leave": "请假",
    "topic": "主题",
    "host": "主持人",
    "recorder": "记录人",
    "photos": "照片",
    "attachments": "附件",
}
# The 记录本's columns, in its order (the workbook's records sheet).
COLUMNS = (
    "日期", "会议类型", "主题", "主持人", "记录人", "应到", "实到", "缺席及原因", "会议记录",
    "会议决议", "出席人员", "列席人员", "更正记录",
)  # fmt: skip


def _month_index(value: str, name: str) -> int:
    found = MONTH.fullmatch(value or "")
    if not found:
        raise BadRequestError(f"{name}须为年月，格式 YYYY-MM，例如 2026-11")
    if not 1921 <= int(found.group(1)) <= 2100:
        raise BadRequestError(f"{name}的年份须在 1921–2100 之间")
    return int(found.group(1)) * 12 + int(found.group(2)) - 1


def _month(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period(start: str | None, end: str | None) -> tuple[str, str]:
    """The period asked for: both months given, or by default the three months ending this
    one (or ending `to`, or starting at `from`); at most 12 months, `from` not after `to`."""
    this = clock.today()
    last = _month_index(end, "to（截止月份）") if end else None
    first = _month_index(start, "from（起始月份）") if start else None
    if last is None:
        last = first + 2 if first is not None else this.year * 12 + this.month - 1
    if first is None:
        first = last - 2
    if first > last:
        raise BadRequestError("起始月份不能晚于截止月份")
    if last - first + 1 > MAX_MONTHS:
        raise BadRequestError(f"一次最多导出 {MAX_MONTHS} 个月的记录，请缩短时间段")
    return _month(first), _month(last)


def period_label(first: str, last: str) -> str:
    def one(month: str) -> str:
        return f"{int(month[:4])}年{int(month[5:])}月"

    return one(first) if first == last else f"{one(first)}至{one(last)}"


def _local(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, clock.TZ).strftime("%Y-%m-%d %H:%M")


class _Names:
    """Member number → name: from the meeting's own rows first, the registry for the rest (the
    host or a corrector who was not invited), each number read at most once."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def add(self, rows: Iterable[Attendance]) -> None:
        for row in rows:
            self.known.setdefault(row.member_no, row.name)

    def __call__(self, member_no: str | None) -> str | None:
        if not member_no:
            return None
        if member_no not in self.known:
            member = registry.get_member(member_no)
            self.known[member_no] = member.name if member else member_no
        return self.known[member_no]


def _absence(row: Attendance, locked: bool) -> dict[str, Any] | None:
    """Her absence as the 记录本 writes it: approved leave with its reason, or unexcused (set
    at lock); None when she was there, or when the meeting is not locked and nothing says."""
    if row.present:
        return None
    if row.leave == "approved":
        reason = (row.leave_reason or "").strip()
        return {
            "name": row.name,
            "excused": True,
            "reason": f"请假：{reason}" if reason else "请假",
        }
    if locked and row.absent:
        return {"name": row.name, "excused": False, "reason": "无故缺席"}
    return None


def _corrections(meeting: Meeting, rows: list[Attendance], names: _Names) -> list[dict[str, Any]]:
    found: list[tuple[Any, str | None]] = [(c, None) for c in meeting.corrections or []]
    for row in rows:
        found.extend((c, row.name) for c in row.corrections or [])
    found.sort(key=lambda pair: pair[0].at)
    return [
        {
            "at": _local(c.at),
            "by": names(c.by),
            "field": c.field,
            "field_label": FIELD_LABELS.get(c.field, c.field),
            "member": member,
            "before": c.before,
            "after": c.after,
            "reason": c.reason,
        }
        for c, member in found
    ]


def _entry(meeting: Meeting, rows: list[Attendance], names: _Names) -> dict[str, Any]:
    kinds = meeting_kinds.kinds()
    kind = kinds.get(meeting.kind)
    locked = meeting.state == "locked"
    names.add(rows)
    attendees = sorted((r for r in rows if r.role != "guest"), key=lambda r: r.member_no)
    guests = sorted((r for r in rows if r.role == "guest"), key=lambda r: r.member_no)
    present = [r.name for r in attendees if r.present]
    absent = [a for a in (_absence(r, locked) for r in attendees) if a]
    starts = datetime.fromisoformat(meeting.starts_at).astimezone(clock.TZ)
    ends = datetime.fromisoformat(meeting.ends_at).astimezone(clock.TZ)
    return {
        "id": meeting.meeting_id,
        "date": starts.date().isoformat(),
        "time": f"{starts:%H:%M}–{ends:%H:%M}",
        "starts_at": meeting.starts_at,
        "kind": meeting.kind,
        "kind_label": kind.label if kind else meeting.kind,
        "group": kind.group if kind else "",
        "topic": meeting.topic,
        "place": meeting.place or ("线上" if meeting.online_url else None),
        "state": meeting.state,
        "state_label": STATE_LABELS.get(meeting.state, meeting.state),
        "host": names(meeting.host),
        "recorder": names(meeting.recorder),
        "invited": len(attendees),
        "present_count": len(present),
        "present": present,
        "guests_present": [r.name for r in guests if r.present],
        "absent": absent,
        "minutes": meeting.minutes if locked else None,
        "decisions": list(meeting.decisions or []) if locked else [],
        "photos": len(meeting.photos or []) if locked else 0,
        "attachments": [f.name for f in meeting.attachments or []] if locked else [],
        "locked_at": _local(meeting.locked_at),
        "locked_by": names(meeting.locked_by),
        "corrections": _corrections(meeting, rows, names),
    }


def _meetings(unit_id: str, first: str, last: str) -> list[Meeting]:
    # unit_sort is "<starts_at>#<id>" with starts_at in Beijing time: the months are a range.
    found = Meeting.by_unit.query(unit_id, Meeting.unit_sort.between(f"{first}-", f"{last}-~"))
    return [m for m in found if m.state != "cancelled"]


def book(caller: Caller, unit_id: str, start: str | None, end: str | None) -> dict[str, Any]:
    """The unit's 记录本 for the period (read scope over the unit; the months are checked
    first, before anything is read)."""
    first, last = period(start, end)
    try:
        unit = registry.get_unit(unit_id)
    except NotFoundError:
        scope.require_unit(caller, (), "read")  # refused like a unit out of scope
        raise
    scope.require_unit(caller, tuple(unit.path), "read")
    names = _Names()
    entries = [
        _entry(m, list(Attendance.query(m.meeting_id)), names)
        for m in _meetings(unit.unit_id, first, last)
    ]
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["kind"]] = counts.get(e["kind"], 0) + 1
    kinds = meeting_kinds.kinds()
    order = [k for k in kinds if k in counts] + sorted(k for k in counts if k not in kinds)
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "period": {"from": first, "to": last, "label": period_label(first, last)},
        "generated_at": _local(clock.now()),
        "totals": {
            "meetings": len(entries),
            "recorded": sum(1 for e in entries if e["state"] == "locked"),
            "by_kind": [
                {"kind": k, "label": kinds[k].label if k in kinds else k, "count": counts[k]}
                for k in order
            ],
        },
        "meetings": entries,
    }


# --- The workbook -------------------------------------------------------------------------

EXCEL_CELL_MAX = 32767  # characters in one cell


def _text(value: Any) -> Any:
    """A cell's value as text Excel shows as written: control characters XML cannot hold are
    dropped, and over-long text is cut with a note."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > EXCEL_CELL_MAX:
        value = value[: EXCEL_CELL_MAX - 20] + "……（超长，余下见网页版）"
    return value


def _put(sheet: Any, row: int, col: int, value: Any) -> Any:
    cell = sheet.cell(row=row, column=col, value=_text(value))
    if isinstance(cell.value, str):
        # A topic or minutes starting with "=" stays text, never a formula (formula injection).
        cell.data_type = "s"
    return cell


def _absent_text(entry: dict[str, Any]) -> str:
    return "；".join(f"{a['name']}（{a['reason']}）" for a in entry["absent"]) or "无"


def _corrections_text(entry: dict[str, Any]) -> str:
    lines = []
    for c in entry["corrections"]:
        what = c["field_label"] + (f"（{c['member']}）" if c["member"] else "")
        change = (
            f"：{c['before'] or '空'} → {c['after'] or '空'}" if c["before"] or c["after"] else ""
        )
        lines.append(f"{c['at']} {c['by']} 更正{what}{change}；原因：{c['reason']}")
    return "\n".join(lines)


def row_values(entry: dict[str, Any]) -> list[Any]:
    """One meeting as a row of the records sheet, in COLUMNS order."""
    decisions = "\n".join(f"{i}. {d}" for i, d in enumerate(entry["decisions"], 1))
    minutes = entry["minutes"] if entry["state"] == "locked" else f"（{entry['state_label']}）"
    return [
        f"{entry['date']} {entry['time']}",
        entry["kind_label"],
        entry["topic"],
        entry["host"] or "",
        entry["recorder"] or "",
        entry["invited"],
        entry["present_count"],
        _absent_text(entry),
        minutes or "",
        decisions,
        "、".join(entry["present"]),
        "、".join(entry["guests_present"]),
        _corrections_text(entry),
    ]


def workbook(data: dict[str, Any]) -> bytes:
    """The book as an XLSX workbook: a summary sheet (meetings per kind and month) and one
    sheet of records in the 记录本's column order. openpyxl is imported here, not at the
    API's cold start."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    title = f"{data['unit']['name']} 三会一课记录（{data['period']['label']}）"
    wb = Workbook()
    summary = wb.active
    summary.title = "汇总"
    _put(summary, 1, 1, title).font = Font(bold=True, size=14)
    _put(summary, 2, 1, f"导出时间：{data['generated_at']}")
    first, last = data["period"]["from"], data["period"]["to"]
    months = [_month(i) for i in range(_month_index(first, "from"), _month_index(last, "to") + 1)]
    # Month columns name the year too when the period crosses one (12月, then 2027年1月).
    spans = first[:4] != last[:4]
    head = [
        "会议类型",
        *(f"{int(m[:4])}年{int(m[5:])}月" if spans else f"{int(m[5:])}月" for m in months),
        "合计",
    ]
    for col, value in enumerate(head, 1):
        _put(summary, 4, col, value).font = Font(bold=True)
    for r, kind in enumerate(data["totals"]["by_kind"], 5):
        _put(summary, r, 1, kind["label"])
        for c, month in enumerate(months, 2):
            n = sum(
                1 for e in data["meetings"] if e["kind"] == kind["kind"] and e["date"][:7] == month
            )
            _put(summary, r, c, n)
        _put(summary, r, len(head), kind["count"])
    total_row = 5 + len(data["totals"]["by_kind"])
    _put(summary, total_row, 1, "合计").font = Font(bold=True)
    _put(summary, total_row, len(head), data["totals"]["meetings"]).font = Font(bold=True)
    summary.column_dimensions["A"].width = 16

    records = wb.create_sheet("会议记录")
    widths = (18, 12, 28, 10, 10, 6, 6, 30, 60, 40, 40, 20, 40)
    for col, (name, width) in enumerate(zip(COLUMNS, widths, strict=True), 1):
        _put(records, 1, col, name).font = Font(bold=True)
        records.column_dimensions[records.cell(row=1, column=col).column_letter].width = width
    records.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, entry in enumerate(data["meetings"], 2):
        for col, value in enumerate(row_values(entry), 1):
            _put(records, r, col, value).alignment = wrap
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def file_name(data: dict[str, Any]) -> str:
    period_ = data["period"]
    span = (
        period_["from"]
        if period_["from"] == period_["to"]
        else f"{period_['from']}至{period_['to']}"
    )
    return f"{data['unit']['name']}三会一课记录{span}.xlsx"


def content_disposition(name: str, fallback: str) -> str:
    """An attachment with a Chinese name (RFC 5987 `filename*`) and an ASCII fallback for
    clients that do not read it."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
