"""A vote with its award writes at most 6 units as AWS bills them (issue 11): the ballot and the
candidate's counter shard in one 2-item transaction (4), the award's claim and day line (2).
Metered by `tools.capacity`, which bills transactions per item as AWS does."""

from __future__ import annotations

import uuid

import pytest

from chalicelib import votes
from chalicelib.models import Ballot
from tools.capacity import item_size, metered
from tools.fixtures import make_campaign, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")

BUDGET = 6


@pytest.fixture
def member():
    make_tree()
    return make_member("76000001", "B1", password=None)


def _bill(member, candidate, campaign="c1"):
    with metered() as bill:
        votes.cast(member, campaign, candidate, rid())
    return bill


def test_a_first_vote_with_its_award_and_a_daily_quota_fits_the_budget(member):
    make_campaign(votes_per_member=2, daily_quota=1)
    bill = _bill(member, "cand-a")
    assert bill.write_units <= BUDGET, bill.calls


def test_a_later_vote_whose_award_is_already_given_fits_the_budget(member):
    make_campaign(votes_per_member=3)
    _bill(member, "cand-a")
    bill = _bill(member, "cand-b")
    assert bill.write_units <= BUDGET, bill.calls


def test_a_tenth_vote_still_fits_the_budget(member):
    """Ten votes with the page's request ids (UUIDs) keep the ballot under 1 KB."""
    slugs = tuple(f"youxiu-dangyuan-{i:02d}" for i in range(10))
    make_campaign(candidates=slugs, votes_per_member=10)
    for slug in slugs[:9]:
        votes.cast(member, "c1", slug, str(uuid.uuid4()))
    with metered() as bill:
        votes.cast(member, "c1", slugs[9], str(uuid.uuid4()))
    assert bill.write_units <= BUDGET, bill.calls
    ballot = Ballot.get("c1", member.member_no)
    assert item_size(ballot.serialize()) < 1024
