"""`make review` tells the reviewers: registering a version for review posts a 待审核 message to
every active staff member who may approve it (the scope check over its unit), once per version
however often it is registered, and again for a changed version."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from chalicelib import review_requests
from chalicelib.models import Message, ReviewItem
from tools import import_units
from tools import review as review_tool
from tools.fixtures import make_member

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("clean_tables")
ARTICLE = "Title: 支部读书会\nCategory: 微发布\nBranch: B0101\nSlug: dushu\n\n{body}\n"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "pages", folder / "pages")
    shutil.copy(ROOT / "content" / "units.csv", folder / "units.csv")
    (folder / "articles").mkdir()
    (folder / "articles" / "dushu.md").write_text(ARTICLE.format(body="第一稿。"), encoding="utf-8")
    assert import_units.main([str(folder / "units.csv")]) == 0
    # C01 → G01 → B0101, B0102; C01 → G02 → B0201
    make_member("10000001", "B0101", roles=("branch_secretary",))  # reviews B0101
    make_member("10000002", "B0102", roles=("branch_secretary",))  # another branch
    make_member("10000003", "B0101", roles=("branch_committee",))  # reads only
    make_member("10000004", "B0102", roles=("general_branch_committee",))  # G01's subtree
    make_member("10000005", "B0201", roles=("party_committee",))  # C01's subtree
    make_member("10000006", "B0101", roles=("branch_secretary",), active=False)
    make_member("10000007", "B0101")  # a member, no role
    return folder


def _requests(member_no: str) -> list[Message]:
    return [m for m in Message.query(member_no) if m.kind == "review_request"]


def test_registering_tells_the_reviewers_who_may_approve_it_once(content: Path) -> None:
    assert review_tool.main(["register", "--content", str(content)]) == 0
    [item] = ReviewItem.query("dushu")
    told = {no: _requests(no) for no in [f"1000000{i}" for i in range(1, 8)]}
    assert sorted(no for no, got in told.items() if got) == ["10000001", "10000004", "10000005"]
    [message] = told["10000001"]
    assert message.event_key == review_requests.event_key("dushu", item.content_hash)
    assert message.url == f"/review.html#dushu/{item.content_hash}"
    assert message.title == "新内容待审核"
    assert "机关第一党支部" in message.body and "《支部读书会》" in message.body

    # The same version registered again: nothing new.
    assert review_tool.main(["register", "--content", str(content)]) == 0
    assert [len(_requests(no)) for no in ("10000001", "10000004", "10000005")] == [1, 1, 1]

    # A changed version is a new request.
    (content / "articles" / "dushu.md").write_text(
        ARTICLE.format(body="第二稿。"), encoding="utf-8"
    )
    assert review_tool.main(["register", "--content", str(content)]) == 0
    assert [len(_requests(no)) for no in ("10000001", "10000004", "10000005")] == [2, 2, 2]
    assert _requests("10000002") == [] and _requests("10000006") == []
