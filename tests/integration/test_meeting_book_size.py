"""The 记录本 export's size: its JSON is UTF-8 (not escaped `\\u` + hex, three times the bytes for
Chinese text), and a period whose records would pass Lambda's 6 MB response limit is a 413 with
what to do instead, never API Gateway's bare 502."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from chalicelib import clock, meeting_book, web
from tests.integration.test_meeting_book import SECRETARY, put_meeting
from tools.fixtures import bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")

MINUTES = "会议传达学习上级精神，党员逐一发言，交流心得体会。" * 800  # 20,000 characters


def export(stack, who, fmt: str = "json") -> requests.Response:
    headers = bearer(who)
    if fmt == "xlsx":
        headers["Accept"] = meeting_book.XLSX
    return requests.get(
        f"{stack.url}/api/units/B1/meeting-book",
        params={"from": "2026-01", "to": "2026-12", "format": fmt},
        headers=headers,
        timeout=120,
    )


def fill(units, count: int) -> None:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=clock.TZ)
    for n in range(count):
        put_meeting(units["B1"], f"mt_size_{n:04d}", "theme_day", f"第{n}次主题党日",
                    start + timedelta(days=3 * n), minutes=MINUTES)  # fmt: skip


def test_the_json_is_utf8(stack):
    units = make_tree()
    secretary = make_member(SECRETARY, "B1", name="陈书记", roles=("branch_secretary",))
    fill(units, 2)
    answer = export(stack, secretary)
    assert answer.status_code == 200, answer.text
    assert "会议传达学习上级精神".encode() in answer.content
    assert b"\\u4f1a" not in answer.content
    assert len(answer.json()["meetings"]) == 2


def test_a_period_too_large_to_answer_is_a_413(stack):
    units = make_tree()
    secretary = make_member(SECRETARY, "B1", name="陈书记", roles=("branch_secretary",))
    fill(units, 4)  # about 240 KB of minutes
    assert export(stack, secretary).status_code == 200
    # The records grow past Lambda's real limit: 100 meetings of 20,000 characters (6 MB).
    fill(units, 100)
    answer = export(stack, secretary)
    assert answer.status_code == 413, answer.text[:200]
    assert "请缩短时段" in answer.json()["Message"]
    assert web.LARGE_BODY_LIMIT < 6_000_000
