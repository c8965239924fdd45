"""A branch secretary approves a pending article on the 待审核 page; a rebuild publishes it.

The site is built with the production gate (approvals read from DynamoDB Local) into its own
folder, served on its own port in front of the same `chalice local`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from chalicelib import review
from chalicelib.models import Member
from infra import dynamodb_local
from infra.dev_server import serve
from tools import import_units
from tools import review as review_tool
from tools.fixtures import PASSWORD, make_member

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("clean_tables")

NEW = """Title: 端到端测试通知
Date: 2026-03-02 09:00
Category: 微发布
Source: 机关第一党支部
Branch: B0101
Slug: e2e-tongzhi
Summary: 审核通过后才会出现在网站上。

这是一条只有审核通过后才发布的通知：E2E-UNIQUE-TEXT。
"""
OLD = NEW.replace("端到端测试通知", "已发布的通知").replace("e2e-tongzhi", "yifabu-tongzhi")
OLD = OLD.replace("E2E-UNIQUE-TEXT", "早已审核")


UNIT_NAME = "机关第一党支部"  # B0101 in content/units.csv
# What the 待审核 page must never show: unit ids, content hashes, file paths.
INTERNALS = re.compile(r"\bB0\d{3}\b|[0-9a-f]{8,}|\barticles/|\.md\b|\bcontent/")


def _no_internals(text: str) -> None:
    found = INTERNALS.search(text)
    assert found is None, f"{found.group(0)!r} shown in: {text}"


def _build(content: Path, out: Path) -> None:
    subprocess.run(
        [
            *(sys.executable, "-m", "pelican", str(content), "-q", "-o", str(out)),
            *("-s", str(ROOT / "pelicanconf.py"), "-D"),
            *("-e", f'UNITS_FILE="{content / "units.csv"}"', "CACHE_CONTENT=false"),
        ],
        cwd=ROOT,
        check=True,
    )


@pytest.fixture
def site_dir(stack, tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "pages", content / "pages")
    shutil.copy(ROOT / "content" / "units.csv", content / "units.csv")
    (content / "articles").mkdir()
    (content / "articles" / "old.md").write_text(OLD, encoding="utf-8")
    (content / "articles" / "new.md").write_text(NEW, encoding="utf-8")
    out = tmp_path / "site"
    server = serve(dynamodb_local.free_port(), out, stack.api_port)
    yield content, out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_secretary_approves_on_the_review_page_and_rebuild_publishes(site_dir, phone: Page):
    content, out, url = site_dir
    assert import_units.main([str(content / "units.csv")]) == 0
    make_member("10000001", "B0101", name="陈卫东", roles=("branch_secretary",))
    assert review_tool.register(content, by="e2e") == 0
    old_hash = review.source_hash(OLD)
    review.decide(Member.get("10000001"), "yifabu-tongzhi", old_hash, review.APPROVED)

    _build(content, out)
    assert (out / "articles" / "yifabu-tongzhi.html").is_file()
    assert not list(out.rglob("*e2e-tongzhi*"))
    assert requests.get(f"{url}/articles/e2e-tongzhi.html", timeout=10).status_code == 404

    phone.goto(f"{url}/login.html?next=/review.html")
    phone.fill("#member_no", "10000001")
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(r"/review\.html"))
    item = phone.locator(".review-item", has_text="端到端测试通知")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(UNIT_NAME)
    _no_internals(phone.locator("main").inner_text())
    item.click()
    expect(phone.locator("#review-title")).to_have_text("端到端测试通知")
    expect(phone.locator("#review-meta")).to_contain_text(UNIT_NAME)
    expect(phone.locator("#review-fields")).to_contain_text("来源")
    expect(phone.locator("#review-fields")).to_contain_text("机关第一党支部")
    phone.locator(".review-source summary").click()  # the text as written, opened
    expect(phone.locator("#review-source")).to_contain_text("E2E-UNIQUE-TEXT")
    _no_internals(phone.locator("main").inner_text())
    preview = phone.frame_locator("#review-preview")
    expect(preview.locator("body")).to_contain_text("E2E-UNIQUE-TEXT")
    # Returning without a reason is refused in the page itself.
    phone.click("#review-return")
    expect(phone.locator("#review-error")).to_contain_text("填写原因")
    phone.click("#review-approve")
    expect(phone.locator("#review-note")).to_contain_text("已通过")
    expect(phone.locator(".review-item")).to_have_count(0)
    # Nothing left: the empty state says so and leads on to the comments to moderate.
    empty = phone.locator("#review-empty")
    expect(empty).to_be_visible()
    expect(empty.locator("svg.icon use")).to_have_count(1)
    empty.get_by_role("link", name="去处理评论").click()
    expect(phone).to_have_url(re.compile(r"/moderation\.html$"))

    _build(content, out)
    page = requests.get(f"{url}/articles/e2e-tongzhi.html", timeout=10)
    assert page.status_code == 200
    assert "E2E-UNIQUE-TEXT" in page.text


def test_a_member_without_a_review_role_is_told_so(site_dir, phone: Page):
    content, out, url = site_dir
    assert import_units.main([str(content / "units.csv")]) == 0
    make_member("10000009", "B0101", name="李明")
    _build(content, out)
    phone.goto(f"{url}/login.html?next=/review.html")
    phone.fill("#member_no", "10000009")
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    expect(phone).to_have_url(re.compile(r"/review\.html"))
    expect(phone.locator("#review-error")).to_contain_text("只有支部书记及以上的审核人")
