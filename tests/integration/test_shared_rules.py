"""One definition of each rule the build and the API share: the same inputs get the same verdict
from both sides (campaign rules, identifiers)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from chalice.test import Client

from app import app
from chalicelib import clock
from chalicelib.identifiers import is_campaign_id, is_quiz_id, is_slug
from plugins.campaigns import rules as build_rules
from tools.fixtures import bearer, make_item, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")
YEAR = clock.today().year + 1

# (Vote-Start, Vote-End, per member, per candidate, daily, results)
CASES = [
    (f"{YEAR}-01-01 09:00", f"{YEAR}-01-31 18:00", "2", "1", None, "live"),
    (f"{YEAR}-01-01 09:00", f"{YEAR}-01-31T18:00:00+08:00", "2", "1", "1", None),
    (f"{YEAR}-01-01T09:00:00+08:00", f"{YEAR}-01-31 18:00", None, None, None, "after_close"),
    (f"{YEAR}-01-01 09:00", f"{YEAR}-01-01 09:00", "1", "1", None, None),  # ends at the start
    (f"{YEAR}-01-01 09:00", f"{YEAR}年1月31日", "1", "1", None, None),
    (f"{YEAR}-01-01 09:00", "1999-12-31 18:00", "1", "1", None, None),
    (f"{YEAR}-01-01 09:00", "3000-01-01 00:00", "1", "1", None, None),
    (f"{YEAR}-01-01 09:00", f"{YEAR}-01-31 18:00", "0", "1", None, None),
    (f"{YEAR}-01-01 09:00", f"{YEAR}-01-31 18:00", "1001", "1", None, None),
    (f"{YEAR}-01-01 09:00", f"{YEAR}-01-31 18:00", "2", "3", None, None),
    (f"{YEAR}-01-01 09:00", f"{YEAR}-01-31 18:00", "2", "1", "3", None),
    (f"{YEAR}-01-01 09:00", f"{YEAR}-01-31 18:00", "2", "1", None, "now"),
    (f"{YEAR}-01-01 09:00", f"{YEAR}-01-31 18:00", "２", "1", None, None),  # full-width digit
]


def _build_verdict(case) -> bool:
    start, end, per_member, per_candidate, daily, results = case
    meta = {
        "vote-start": start,
        "vote-end": end,
        "vote-per-member": per_member,
        "vote-per-candidate": per_candidate,
        "vote-daily": daily,
        "vote-results": results,
    }
    instance = SimpleNamespace(
        metadata={k: v for k, v in meta.items() if v is not None},
        campaign_key="pingxuan",
        date=None,
        settings={"UNITS_FILE": "content/units.csv"},
    )
    _, problems = build_rules(instance)
    return not problems


def _api_verdict(client: Client, headers: dict, n: int, case) -> bool:
    start, end, per_member, per_candidate, daily, results = case
    body = {
        "title": "评选",
        "candidates": ["cand-a"],
        "starts_at": start,
        "ends_at": end,
        "votes_per_member": int(per_member) if per_member and per_member.isascii() else 1,
    }
    if per_member and not per_member.isascii():
        body["votes_per_member"] = per_member  # a string: the API wants a number, as JSON says
    if per_candidate:
        body["per_candidate"] = int(per_candidate)
    if daily:
        body["daily_quota"] = int(daily)
    if results:
        body["results"] = results
    r = client.http.put(
        f"/campaigns/api-case-{n}",
        body=json.dumps(body),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code in (200, 400), r.body
    return r.status_code == 200


def test_campaign_rules_get_the_same_verdict_from_the_build_and_the_api():
    make_tree()
    staff = make_member("78000001", "B3", roles=("admin",), password=None)
    make_item("cand-a")
    with Client(app) as client:
        for n, case in enumerate(CASES):
            assert _build_verdict(case) == _api_verdict(client, bearer(staff), n, case), case


@pytest.mark.parametrize(
    "value",
    ["a", "abc-1", "", "-a", "A1", "a_b", "a" * 64, "a" * 65, "a" * 100, "a" * 101, "a\n", "中文"],
)
def test_identifiers_get_one_verdict_everywhere(value):
    from plugins.site_sections import SLUG_RE
    from tools import quiz_content

    assert bool(SLUG_RE.fullmatch(value)) == is_slug(value)
    assert quiz_content.valid_id(value) == is_quiz_id(value)
    assert is_campaign_id(value) == (is_slug(value) and len(value) <= 64)
