"""Referenced files are part of the approved version: `make review` binds and stores them, an
approval needs them stored, and the publish build (approvals from DynamoDB) serves the approved
bytes after the file in content/ was replaced, until the replacement itself is approved."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import requests
from pelican import Pelican
from pelican.settings import read_settings

from chalicelib import review
from chalicelib.models import PublishedVersion, ReviewFile, ReviewItem
from tools import import_units
from tools import review as review_tool
from tools.fixtures import PASSWORD, make_member
from tools.review_store import load_file
from tools.review_version import file_hash

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("clean_tables")
META = (
    "Title: 抢修先锋\nDate: 2026-03-01 09:00\nCategory: 先进风采\nBranch: B0101\n"
    "Exemplar: individual\nPhoto: {static}/images/x/photo.svg\nSlug: qiangxiu\n"
)
APPROVED_PHOTO = b'<svg xmlns="http://www.w3.org/2000/svg"><title>approved</title></svg>'
# Larger than one DynamoDB item: stored in parts.
BIG = os.urandom(800_000)


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "pages", folder / "pages")
    shutil.copy(ROOT / "content" / "units.csv", folder / "units.csv")
    (folder / "images" / "x").mkdir(parents=True)
    (folder / "images" / "x" / "photo.svg").write_bytes(APPROVED_PHOTO)
    (folder / "images" / "x" / "big.png").write_bytes(BIG)
    (folder / "articles").mkdir()
    (folder / "articles" / "q.md").write_text(
        META + "\n事迹。\n\n![现场]({static}/images/x/big.png)\n", encoding="utf-8"
    )
    assert import_units.main([str(folder / "units.csv")]) == 0
    make_member("10000001", "B0101", name="陈书记", roles=("branch_secretary",))
    return folder


def _approve(stack, slug: str, digest: str) -> requests.Response:
    url = f"{stack.url}/api"
    login = requests.post(
        f"{url}/auth/login", json={"member_no": "10000001", "password": PASSWORD}, timeout=30
    )
    token = login.json()["access_token"]
    return requests.post(
        f"{url}/review/items/{slug}/{digest}/approve",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def _build(content: Path, out: Path) -> None:
    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(out),
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "UNITS_FILE": str(content / "units.csv"),
            "REVIEW_GATE": "dynamodb",
        },
    )
    Pelican(settings).run()


def _photo(out: Path) -> bytes:
    page = (out / "articles" / "qiangxiu.html").read_text(encoding="utf-8")
    (src,) = re.findall(r'class="exemplar-photo" src="([^"]+)"', page)
    return (out / src.lstrip("/")).read_bytes()


def _pending(slug: str) -> ReviewItem:
    (item,) = [i for i in ReviewItem.query(slug) if i.state == review.PENDING]
    return item


def test_approved_files_are_published_until_their_replacement_is_approved(
    stack, content: Path, tmp_path: Path
) -> None:
    assert review_tool.register(content, by="editor") == 0
    item = _pending("qiangxiu")
    assert item.files == {
        "images/x/photo.svg": file_hash(APPROVED_PHOTO),
        "images/x/big.png": file_hash(BIG),
    }
    assert len(list(ReviewFile.query(file_hash(BIG)))) == 3
    assert load_file(file_hash(BIG)) == BIG
    assert "照片：<img" in item.preview_html  # the reviewer sees the photo being approved
    assert _approve(stack, "qiangxiu", item.content_hash).status_code == 200
    assert PublishedVersion.get("qiangxiu").files == item.files

    # The editor replaces both files after approval.
    (content / "images" / "x" / "photo.svg").write_bytes(b"<svg>NEW-UNAPPROVED</svg>")
    (content / "images" / "x" / "big.png").write_bytes(b"NEW-UNAPPROVED")
    out = tmp_path / "out"
    _build(content, out)
    assert _photo(out) == APPROVED_PHOTO
    page = (out / "articles" / "qiangxiu.html").read_text(encoding="utf-8")
    (big,) = re.findall(r'src="([^"]*big[^"]*)"', page)
    assert (out / big.lstrip("/")).read_bytes() == BIG
    assert not [p for p in out.rglob("*") if p.is_file() and b"NEW-UNAPPROVED" in p.read_bytes()]

    # A replaced file is a new version: `make review` registers it; approving it publishes it.
    assert review_tool.register(content, by="editor") == 0
    new = _pending("qiangxiu")
    assert new.content_hash != item.content_hash
    assert _approve(stack, "qiangxiu", new.content_hash).status_code == 200
    _build(content, tmp_path / "out2")
    assert _photo(tmp_path / "out2") == b"<svg>NEW-UNAPPROVED</svg>"


def test_an_approval_needs_the_files_stored(stack, content: Path) -> None:
    assert review_tool.register(content, by="editor") == 0
    item = _pending("qiangxiu")
    for part in ReviewFile.query(file_hash(APPROVED_PHOTO)):
        part.delete()
    r = _approve(stack, "qiangxiu", item.content_hash)
    assert r.status_code == 409
    assert "未登记" in r.json()["Message"]
    with pytest.raises(PublishedVersion.DoesNotExist):
        PublishedVersion.get("qiangxiu")
    assert ReviewItem.get("qiangxiu", item.content_hash).state == review.PENDING


def test_export_carries_the_files_for_an_offline_build(stack, content: Path, tmp_path: Path):
    assert review_tool.register(content, by="editor") == 0
    item = _pending("qiangxiu")
    assert _approve(stack, "qiangxiu", item.content_hash).status_code == 200
    target = tmp_path / "approvals.json"
    assert review_tool.export(target) == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["qiangxiu"]["files"] == item.files
    assert data["qiangxiu"]["path"] == "articles/q.md"
    assert (tmp_path / "approvals.files" / file_hash(BIG)).read_bytes() == BIG


def test_an_approval_from_before_file_binding_is_still_read(content: Path, tmp_path: Path):
    """Old approvals (no file list) keep their text published; their files wait for a review."""
    text = (content / "articles" / "q.md").read_text(encoding="utf-8")
    PublishedVersion(
        "qiangxiu",
        content_hash=review.source_hash(text),
        source_text=review.normalise(text),
        source_path="articles/q.md",
        approved_at="2026-01-01",
        approved_by="old",
    ).save()
    out = tmp_path / "out"
    _build(content, out)
    page = (out / "articles" / "qiangxiu.html").read_text(encoding="utf-8")
    assert "事迹" in page
    assert "exemplar-photo" not in page and not list(out.rglob("photo*"))


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("![x]({static}/images/x/none.svg)", "图片或附件不存在"),
        ("[题]({static}/quizzes/bank.yaml)", "题库目录"),
        ("[源]({static}/pages/login.md)", "源文件"),
        ("![x]({static}/../../etc/passwd)", "不在内容目录中"),
        ("![x]({static}/images/x/huge.png)", "超过 5 MB"),
    ],
)
def test_register_refuses_files_that_cannot_be_bound(
    content: Path, capsys: pytest.CaptureFixture, reference: str, message: str
) -> None:
    (content / "quizzes").mkdir()
    (content / "quizzes" / "bank.yaml").write_text("bank: x\n", encoding="utf-8")
    (content / "images" / "x" / "huge.png").write_bytes(b"0" * (5 * 1024 * 1024 + 1))
    path = content / "articles" / "q.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{reference}\n", encoding="utf-8")
    assert review_tool.register(content, by="editor") == 1
    assert re.search(rf"articles/q\.md:13: .*{message}", capsys.readouterr().err)
    assert not list(ReviewItem.scan())


def test_make_devs_demo_approvals_publish_the_demo_with_its_photos(tmp_path: Path) -> None:
    """`make dev`: register the shipped content, approve the manifest's versions, build."""
    from tools import demo_registry, seed_demo

    seed_demo.seed()
    approved, pending = review_tool.seed_demo_approvals(demo_registry.DEMO_COMMITTEE.member_no)
    assert (approved, pending) == (len(json.loads(review_tool.DEMO_MANIFEST.read_text())), 1)
    out = tmp_path / "out"
    _build(ROOT / "content", out)
    page = (out / "articles" / "wang-haiyan.html").read_text(encoding="utf-8")
    (src,) = re.findall(r'class="exemplar-photo" src="([^"]+)"', page)
    # Published under the hash of its bytes (plugins/static_hash), served immutable.
    assert re.fullmatch(r"/images/xianjin/wang-haiyan\.[0-9a-f]{16}\.svg", src), src
    assert (out / src.lstrip("/")).read_bytes() == (
        ROOT / "content" / "images" / "xianjin" / "wang-haiyan.svg"
    ).read_bytes()
    assert not list(out.rglob(f"*{review_tool.DEMO_PENDING[0]}*"))
