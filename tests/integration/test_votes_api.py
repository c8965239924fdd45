"""Votes over HTTP: 100 parallel identical votes count once, retries answer the same, rules per
member / candidate / day, the window, the units allowed, results hidden until close, campaigns
through the API in scope, and the recount from the vote log finding (and fixing) drift."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chalicelib import clock, points_figures, votes
from chalicelib.errors import ConflictError
from chalicelib.models import Ballot, Campaign, VoteCount
from tools import recount_votes
from tools.fixtures import bearer, make_campaign, make_item, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org():
    make_tree()
    return {
        "b1": make_member("62000001", "B1", name="一支部党员", password=None),
        "b2": make_member("62000002", "B2", name="二支部党员", password=None),
        "b3": make_member("62000003", "B3", name="机关党员", password=None),
        "admin": make_member("62000004", "B3", name="管理员", roles=("admin",), password=None),
        "sec1": make_member("62000005", "B1", roles=("branch_secretary",), password=None),
    }


def vote(stack, member, candidate, campaign="c1", request_id=None):
    return requests.post(
        f"{stack.url}/api/campaigns/{campaign}/votes",
        json={"candidate": candidate, "request_id": request_id or rid()},
        headers=bearer(member),
        timeout=60,
    )


def campaign_view(stack, member=None, campaign="c1"):
    headers = bearer(member) if member else {}
    r = requests.get(f"{stack.url}/api/campaigns/{campaign}", headers=headers, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_100_parallel_identical_votes_count_exactly_once(stack, org):
    make_campaign()
    with ThreadPoolExecutor(max_workers=100) as pool:
        replies = list(pool.map(lambda _: vote(stack, org["b1"], "cand-a"), range(100)))
    codes = [r.status_code for r in replies]
    assert codes.count(200) == 1 and codes.count(409) == 99, sorted(set(codes))
    assert {r.json()["Message"] for r in replies if r.status_code == 409} == {
        "您已经为该候选人投过票"
    }
    assert votes.counts("c1") == {"cand-a": 1}
    assert votes._mine("c1", "62000001").total == 1
    assert [e.rule for e in points_figures.ledger("62000001")] == ["vote"]


@pytest.mark.smoke
def test_a_retried_vote_returns_the_same_answer_and_counts_once(stack, org):
    make_campaign(votes_per_member=3)
    request_id = rid()
    with ThreadPoolExecutor(max_workers=100) as pool:
        replies = list(
            pool.map(lambda _: vote(stack, org["b1"], "cand-a", request_id=request_id), range(100))
        )
    assert {r.status_code for r in replies} == {200}, {r.text for r in replies}
    assert sum(1 for r in replies if not r.json()["replay"]) == 1
    assert {(r.json()["candidate"], r.json()["voted_at"]) for r in replies} == {
        ("cand-a", replies[0].json()["voted_at"])
    }
    assert votes.counts("c1") == {"cand-a": 1}


def test_100_members_voting_for_one_candidate_in_parallel_are_all_counted(stack, org):
    make_campaign()
    members = [make_member(f"6300{i:04d}", "B1", password=None) for i in range(100)]
    with ThreadPoolExecutor(max_workers=50) as pool:
        replies = list(pool.map(lambda m: vote(stack, m, "cand-b"), members))
    assert {r.status_code for r in replies} == {200}
    assert votes.counts("c1") == {"cand-b": 100}
    assert recount_votes.recount("c1")[1] == []


def test_votes_per_member_and_per_candidate(stack, org):
    make_campaign(votes_per_member=3, per_candidate=2)
    assert vote(stack, org["b1"], "cand-a").status_code == 200
    assert vote(stack, org["b1"], "cand-a").status_code == 200
    r = vote(stack, org["b1"], "cand-a")
    assert r.status_code == 409 and r.json()["Message"] == "每位候选人最多投 2 票，您已投满"
    r = vote(stack, org["b1"], "cand-b")
    assert r.status_code == 200 and r.json()["me"]["remaining"] == 0
    r = vote(stack, org["b1"], "cand-c")
    assert r.status_code == 409 and r.json()["Message"] == "您在本次评选中的 3 票已经投完"
    me = campaign_view(stack, org["b1"])["me"]
    assert me == {
        "votes": {"cand-a": 2, "cand-b": 1},
        "total": 3,
        "today": 0,
        "remaining": 0,
        "eligible": True,
    }
    r = vote(stack, org["b1"], "nobody")
    assert r.status_code == 404 and r.json()["Message"] == "候选人不在本次评选中"
    assert vote(stack, org["b1"], "cand-a", campaign="nope").status_code == 404


def test_the_daily_quota_turns_over_at_shanghai_midnight(org, monkeypatch):
    stamp = [1_790_000_000.0 - 1_790_000_000.0 % 86400 + 15 * 3600]  # 23:00 Beijing time
    monkeypatch.setattr(clock, "now", lambda: stamp[0])
    make_campaign(daily_quota=1, votes_per_member=3, opens_in=-60, closes_in=3 * 86400)
    votes.cast(org["b1"], "c1", "cand-a", rid())
    with pytest.raises(ConflictError, match="今天的 1 票已经投完"):
        votes.cast(org["b1"], "c1", "cand-b", rid())
    stamp[0] += 3600  # 00:00 the next day in Beijing
    assert votes.cast(org["b1"], "c1", "cand-b", rid())["me"]["today"] == 1
    assert votes._mine("c1", "62000001").total == 2


def test_voting_only_within_the_window(stack, org):
    make_campaign("early", opens_in=3600, closes_in=7200)
    make_campaign("late", opens_in=-7200, closes_in=-3600)
    r = vote(stack, org["b1"], "cand-a", campaign="early")
    assert r.status_code == 409 and r.json()["Message"].startswith("投票尚未开始")
    r = vote(stack, org["b1"], "cand-a", campaign="late")
    assert r.status_code == 409 and r.json()["Message"].startswith("投票已结束")
    assert campaign_view(stack, campaign="early")["phase"] == "before"
    assert votes.counts("early") == {} and votes.counts("late") == {}


def test_a_member_outside_the_campaigns_units_cannot_vote(stack, org):
    make_campaign(units=("G1",), unit_names=("第一党总支",))
    r = vote(stack, org["b3"], "cand-a")
    assert r.status_code == 403 and r.json()["Message"] == "本次投票仅限第一党总支的党员参加"
    assert campaign_view(stack, org["b3"])["me"]["eligible"] is False
    assert vote(stack, org["b1"], "cand-a").status_code == 200
    assert vote(stack, org["b2"], "cand-a").status_code == 200
    assert votes.counts("c1") == {"cand-a": 2}


def test_results_are_hidden_until_close_when_the_campaign_says_so(stack, org):
    make_campaign("hidden", results="after_close")
    make_campaign("shown", results="live")
    assert vote(stack, org["b1"], "cand-a", campaign="hidden").json()["counts"] is None
    assert vote(stack, org["b1"], "cand-a", campaign="shown").json()["counts"] == {"cand-a": 1}
    assert campaign_view(stack, campaign="hidden")["counts"] is None
    assert campaign_view(stack, campaign="shown")["counts"] == {"cand-a": 1}
    Campaign("hidden").update(actions=[Campaign.ends_at.set(clock.now() - 1)])
    closed = campaign_view(stack, campaign="hidden")
    assert closed["phase"] == "closed" and closed["counts"] == {"cand-a": 1}


def test_campaigns_through_the_api_need_scope_over_every_unit_allowed(stack, org):
    for slug in ("cand-x", "cand-y"):
        make_item(slug)
    body = {
        "title": "支部优秀党员评选",
        "candidates": ["cand-x", "cand-y"],
        "starts_at": "2020-01-01 09:00",
        "ends_at": "2099-12-31 18:00",
        "votes_per_member": 1,
        "units": ["B1"],
        "results": "live",
    }
    put = lambda m, b, cid="api-1": requests.put(  # noqa: E731
        f"{stack.url}/api/campaigns/{cid}", json=b, headers=bearer(m), timeout=30
    )
    assert put(org["b1"], body).status_code == 403
    assert put(org["sec1"], {**body, "units": ["B2"]}).status_code == 403
    assert put(org["sec1"], {**body, "units": []}).status_code == 403  # the whole organisation
    r = put(org["sec1"], body)
    assert r.status_code == 200, r.text
    assert r.json()["units"] == [{"id": "B1", "name": "第一党支部"}]
    r = put(org["admin"], {**body, "candidates": ["cand-x", "missing"]}, "api-2")
    assert r.status_code == 400 and "missing" in r.json()["Message"]
    r = put(org["admin"], {**body, "ends_at": "2019-01-01 00:00"}, "api-2")
    assert r.status_code == 400
    assert vote(stack, org["b2"], "cand-x", campaign="api-1").status_code == 403
    assert vote(stack, org["b1"], "cand-x", campaign="api-1").status_code == 200
    # Voting has started: the rules can no longer change.
    r = put(org["admin"], {**body, "votes_per_member": 2})
    assert r.status_code == 409 and "不能再修改" in r.json()["Message"]
    make_campaign("from-content")
    r = put(org["admin"], body, "from-content")
    assert r.status_code == 409 and "内容" in r.json()["Message"]


def test_a_campaign_of_another_branch_cannot_be_taken_over(stack, org):
    """Changing a campaign needs manage over the units it has now, not only over the new ones."""
    make_item("cand-x")
    sec2 = make_member("62000006", "B2", roles=("branch_secretary",), password=None)
    body = {
        "title": "一支部评选",
        "candidates": ["cand-x"],
        "starts_at": "2098-01-01 09:00",
        "ends_at": "2099-12-31 18:00",
        "votes_per_member": 1,
        "units": ["B1"],
    }
    put = lambda m, b: requests.put(  # noqa: E731
        f"{stack.url}/api/campaigns/b1-camp", json=b, headers=bearer(m), timeout=30
    )
    assert put(org["sec1"], body).status_code == 200
    taken = put(sec2, {**body, "title": "二支部的了", "units": ["B2"]})
    assert taken.status_code == 403
    got = requests.get(f"{stack.url}/api/campaigns/b1-camp", timeout=30).json()
    assert got["title"] == "一支部评选"
    # Malformed rules are refused before anything is saved.
    for bad in (
        {"starts_at": "0001-01-01 00:00"},
        {"units": ["B" * 3000]},
        {"candidates": ["x" * 3000]},
    ):
        assert put(org["sec1"], {**body, **bad}).status_code == 400, bad


def test_the_recount_finds_drift_and_fixes_it(stack, org, capsys):
    make_campaign(votes_per_member=3)
    for member, cands in ((org["b1"], "ab"), (org["b2"], "abc"), (org["b3"], "a")):
        for c in cands:
            assert vote(stack, member, f"cand-{c}").status_code == 200
    assert recount_votes.main(["c1"]) == 0
    assert "投票记录 6 票，3 位候选人，偏差 0 处" in capsys.readouterr().out
    # Corrupt a candidate's counter directly, and add a vote to a ballot without its counter.
    VoteCount("c1", "cand-a#07").update(actions=[VoteCount.votes.add(5)])
    ballot = Ballot.get("c1", "62000003")
    ballot.records = {**ballot.records.as_dict(), "lost-counter-1": ["cand-c", int(clock.now())]}
    ballot.save()
    assert votes.describe(votes.get_campaign("c1"), org["b3"])["me"]["total"] == 2
    assert recount_votes.main(["c1"]) == 1
    out = capsys.readouterr().out
    assert "投票记录 7 票，3 位候选人，偏差 2 处" in out
    assert "候选人 cand-a 计数 8，投票记录 3（相差 +5）" in out
    assert "候选人 cand-c 计数 1，投票记录 2（相差 -1）" in out
    assert recount_votes.main(["c1", "--fix"]) == 0
    capsys.readouterr()
    assert recount_votes.main([]) == 0
    assert "偏差 0 处" in capsys.readouterr().out
    assert votes.counts("c1") == {"cand-a": 3, "cand-b": 2, "cand-c": 2}


@pytest.mark.parametrize(
    ("rules", "candidates", "allowed"),
    [
        ({"votes_per_member": 2}, "abcabcabcabcabcabcab", 2),
        ({"votes_per_member": 3, "per_candidate": 2}, "aaaaaaaaaaaaaaaaaaaa", 2),
        ({"votes_per_member": 3, "daily_quota": 1}, "abcabcabcabcabcabcab", 1),
    ],
    ids=["votes per member", "per candidate", "daily quota"],
)
def test_quotas_hold_under_parallel_different_requests(stack, org, rules, candidates, allowed):
    """20 parallel votes of one member, each with its own request id: exactly the quota passes
    (each ballot write is conditional on the version it read)."""
    make_campaign(**rules)
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda c: vote(stack, org["b1"], f"cand-{c}"), candidates))
    codes = [r.status_code for r in replies]
    assert codes.count(200) == allowed and codes.count(409) == 20 - allowed, codes
    assert sum(votes.counts("c1").values()) == allowed
    assert votes._mine("c1", "62000001").total == allowed
    assert recount_votes.recount("c1")[1] == []
    assert [e.rule for e in points_figures.ledger("62000001")] == ["vote"]


def test_a_retry_answers_the_first_vote_after_later_votes_and_after_close(stack, org):
    make_campaign(votes_per_member=3)
    first = vote(stack, org["b1"], "cand-a", request_id="first-request-1")
    assert first.status_code == 200 and first.json()["replay"] is False
    assert vote(stack, org["b1"], "cand-b").status_code == 200
    again = vote(stack, org["b1"], "cand-a", request_id="first-request-1")
    assert again.status_code == 200 and again.json()["replay"] is True
    assert again.json()["voted_at"] == first.json()["voted_at"]
    assert again.json()["me"]["total"] == 2
    Campaign("c1").update(actions=[Campaign.ends_at.set(clock.now() - 1)])
    closed = vote(stack, org["b1"], "cand-a", request_id="first-request-1")
    assert closed.status_code == 200 and closed.json()["replay"] is True
    assert vote(stack, org["b1"], "cand-c").status_code == 409
    assert votes.counts("c1") == {"cand-a": 1, "cand-b": 1}
