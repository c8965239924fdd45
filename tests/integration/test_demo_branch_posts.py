"""The demo 支部家园 (tools/demo_branch_posts.py) as `make dev` writes it after the demo registry:
approved posts (with photos) on the demo member's branch page and in her committee's feed, her own
post waiting for review, one returned with its reason, one edited after approval still showing
its approved text; a second run writes nothing and puts back photos the stand-in forgot."""

from __future__ import annotations

import pytest
import requests

from chalicelib import branch_posts, uploads
from chalicelib.models import Member
from chalicelib.models.branch_posts import BranchPost
from tools import demo_branch_posts, demo_registry, seed_demo

pytestmark = pytest.mark.usefixtures("clean_tables", "s3")


def test_played_once_and_shown(dynamodb) -> None:
    uploads.reset_for_tests()
    seed_demo.seed()
    assert demo_branch_posts.seed() == len(demo_branch_posts.PLANNED)
    posts = list(BranchPost.scan(consistent_read=True))
    states = sorted((p.version_state, p.shown_hash is not None) for p in posts)
    assert states.count(("approved", True)) == 4
    assert ("pending", True) in states  # edited after approval
    assert ("pending", False) in states and ("rejected", False) in states
    [returned] = [p for p in posts if p.version_state == "rejected"]
    assert returned.reason and returned.decided_by != returned.author

    member = Member.get(demo_registry.DEMO_MEMBER.member_no)
    page = branch_posts.branch_page(member, None, None)
    assert len(page["items"]) == 2 and page["can_post"]
    photo = page["items"][-1]["photos"][0]["url"]
    assert requests.get(photo, timeout=10).content[:3] == b"\xff\xd8\xff"
    feed = branch_posts.feed(member, None)["items"]
    [edited] = [p for p in posts if p.version_state == "pending" and p.shown_hash]
    shown = {p["id"]: p["text"] for p in feed}
    assert shown[edited.post_id] == edited.shown_text != edited.text
    mine = branch_posts.mine(member, None)["items"]
    assert {p["latest"]["state"] for p in mine} == {"approved", "pending"}

    # The stand-in restarted (its files gone); the next start writes no post, puts them back.
    for p in posts:
        for key in p.photos:
            uploads.discard(key)
    assert demo_branch_posts.seed() == 0
    assert requests.get(photo, timeout=10).status_code == 200
    assert len(list(BranchPost.scan())) == len(posts)
