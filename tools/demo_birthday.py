"""make dev: a demo member whose 政治生日 is today, so the card can be seen at once.

The demo registry's joining dates are fixed (tools/demo_registry.py, every month has 7–20 of
them, 2–4 in 机关第一党支部), so the staff's month of anniversaries is never empty; but whose day
is *today* depends on the day. This moves the demo member 李明's (10000009) joining day to today's
month and day, keeping his year (2004): sign in as him and the home page links to his card. The
registry import puts the file's date back on the next `make dev` and this sets it again (the
import reports 李明 as 更新). Runs before the demo history, so the year's 政治生日 points come with
today's sign-in.
"""

from __future__ import annotations

from datetime import date

from chalicelib import clock
from chalicelib.models import Member
from chalicelib.models.registry import remind_key
from tools.demo_registry import DEMO_MEMBER


def birthday_today(today: date | None = None) -> str:
    """Set his joining day to today's month and day; the line `make dev` prints."""
    today = today or clock.today()
    member = Member.get(DEMO_MEMBER.member_no)
    year = int((member.joined_on or "2004")[:4])
    if (today.month, today.day) == (2, 29):
        year -= year % 4  # a leap year, so the day is the 29th itself
    joined = date(year, today.month, today.day).isoformat()
    member.update(
        actions=[
            Member.joined_on.set(joined),
            Member.remind_key.set(remind_key(member.roles, joined, member.active)),
        ]
    )
    return f"{member.name}（{member.member_no}）今天过政治生日：入党 {today.year - year} 周年"
