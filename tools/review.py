"""Editors' side of the review gate: `python -m tools.review register|status|export|demo-manifest`.

    make review                      # register every new or changed article as pending review
    python -m tools.review status    # what is pending, returned, approved
    python -m tools.review export approvals.json   # approved versions, for an offline build

`register` reads every article under content/ (as Pelican would), checks its metadata like the
build does (file, line, message; nothing is registered if any article is wrong), renders a preview
with the site's own Markdown settings (images inlined, so the reviewer sees them), stores the bytes
of every file the article references (images, `Photo:`, attachments) and each version it has not
seen as pending (older pending versions of the same slug are superseded). A version is the text
and those files (tools/review_version.py): replacing an image makes a new version to review.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import mimetypes
import os
import posixpath
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pelican.readers import MarkdownReader
from pelican.settings import read_settings

from chalicelib.identifiers import is_slug
from chalicelib.review import MAX_BOUND_FILES, normalise
from plugins import lessons
from tools.review_version import (
    MAX_FILE_BYTES,
    disk_version,
    file_hash,
    problem,
    references,
    resolve,
    version_hash,
)
from tools.site_content import ROOT, ContentError, load_units, metadata_line, units_file, where

DEMO_MANIFEST = ROOT / "tools" / "demo_approvals.json"
# Left pending on purpose, so the demo secretary has something on the 待审核 page.
DEMO_PENDING = ("jiguan-dushu-fenxianghui",)
_INTRASITE = re.compile(
    r"""(src|href)=(["'])\{(static|attach|filename|category|index)\}([^"']*)\2"""
)
# Images inlined into a preview, in all (base64 adds a third): the review item (text, preview)
# stays under DynamoDB's 400 KB item limit; beyond it the preview names the file instead.
MAX_INLINE_BYTES = 150_000


@dataclass(frozen=True)
class Draft:
    """An article file as the review gate sees it."""

    path: Path
    relative: str
    text: str
    content_hash: str
    slug: str
    title: str
    category: str
    branch: str
    series: str | None
    day: str | None
    body_html: str
    files: dict[str, bytes]  # content path -> bytes of each referenced file

    @property
    def file_hashes(self) -> dict[str, str]:
        return {path: file_hash(data) for path, data in self.files.items()}


def site_settings(content: Path) -> dict:
    return read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(content)})


def article_files(content: Path, settings: dict) -> Iterator[Path]:
    pages = [content / p for p in settings["PAGE_PATHS"]]
    for path in sorted(content.rglob("*.md")):
        if not any(path.is_relative_to(p) for p in pages):
            yield path


def referenced_files(
    content: Path, path: Path, text: str, settings: dict
) -> tuple[dict[str, bytes], list[str]]:
    """The bytes of every file the article references, and `file:line: problem` for each that
    cannot be bound (missing, outside content/, a source file, a question bank, too large)."""
    relative = path.relative_to(content).as_posix()
    excluded = [*settings["PAGE_PATHS"], settings.get("QUIZ_PATH", "quizzes")]
    files: dict[str, bytes] = {}
    problems = []
    for ref in references(text, relative):
        at = where(path, text.count("\n", 0, ref.start) + 1)
        trouble = problem(ref, excluded)
        target = content / ref.path if ref.path else None
        if trouble is None and (target is None or not target.is_file()):
            trouble = f"图片或附件不存在：{ref.raw}"
        elif trouble is None and target.stat().st_size > MAX_FILE_BYTES:
            trouble = f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB，请压缩后再提交：{ref.raw}"
        if trouble:
            problems.append(f"{at}: {trouble}")
        elif ref.path not in files:
            files[ref.path] = target.read_bytes()
    if len(files) > MAX_BOUND_FILES:
        problems.append(f"{where(path, 1)}: 引用了 {len(files)} 个文件，最多 {MAX_BOUND_FILES} 个")
    return files, problems


def read_drafts(content: Path) -> tuple[list[Draft], list[str]]:
    """Every article, and the problems (`file:line: message`) that stop a registration."""
    settings = site_settings(content)
    reader = MarkdownReader(settings)
    units = load_units(units_file(settings))
    drafts, problems, seen = [], [], {}
    for path in article_files(content, settings):
        text = path.read_text(encoding="utf-8")
        body_html, meta = reader.read(str(path))
        files, trouble = referenced_files(content, path, text, settings)
        problems.extend(trouble)

        def bad(key: str, message: str, text: str = text, path: Path = path) -> None:
            problems.append(f"{where(path, metadata_line(text, key))}: {message}")

        slug = str(meta.get("slug") or "")
        branch = str(meta.get("branch") or "")
        category = meta.get("category")
        if not is_slug(slug):
            bad("Slug", "缺少 Slug 或格式不对（小写字母、数字和 -）")
        elif slug in seen:
            bad("Slug", f"Slug「{slug}」与 {seen[slug]} 重复")
        seen.setdefault(slug, str(path))
        if branch not in units:
            bad("Branch", f"Branch「{branch}」不是 {units_file(settings)} 中的单位")
        if category is None:
            bad("Category", "缺少 Category（所属栏目）")
        if not meta.get("title"):
            bad("Title", "缺少 Title")
        if category is not None and str(category) == lessons.CATEGORY:
            problems.extend(lessons.check(path, meta, content)[1])  # a 微党课's media fields
        drafts.append(
            Draft(
                path=path,
                relative=path.relative_to(content).as_posix(),
                text=normalise(text),
                content_hash=version_hash(text, {p: file_hash(d) for p, d in files.items()}),
                slug=slug,
                title=str(meta.get("title") or ""),
                category=str(category) if category else "",
                branch=branch,
                series=str(meta["series"]) if meta.get("series") else None,
                day=str(meta["day"]) if meta.get("day") else None,
                body_html=body_html,
                files=files,
            )
        )
    return drafts, problems


def preview_html(draft: Draft, content: Path) -> str:
    """The body as the site renders it, after the photo: images inlined from exactly the bytes
    being registered (within MAX_INLINE_BYTES in all), other site links inert."""
    budget = [MAX_INLINE_BYTES]

    def inline(path: str | None) -> str | None:
        data = draft.files.get(path or "")
        if data is None or len(data) > budget[0]:
            return None
        budget[0] -= len(data)
        kind = mimetypes.guess_type(path or "")[0] or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(data).decode()}"

    def replace(match: re.Match[str]) -> str:
        attr, quote, what, value = match.groups()
        if what in ("static", "attach"):
            found = inline(resolve(value, draft.relative))
            if found:
                return f"{attr}={quote}{found}{quote}"
        return f"{attr}={quote}#{quote}"

    body = _INTRASITE.sub(replace, draft.body_html)
    # The reviewer sees pictures and names, never paths or hashes (the version binds those).
    labels = {"photo": "照片", "cover": "封面", "poster": "封面"}
    pictures = [r for r in references(draft.text, draft.relative) if r.kind in labels]
    head = ""
    for ref in pictures:
        src = inline(ref.path)
        label, name = labels[ref.kind], html.escape(posixpath.basename(ref.path or ref.raw))
        head += (
            f'<p class="review-photo">{label}：<img src="{src}" alt="{label}"></p>'
            if src
            else f'<p class="review-photo">{label}：{name}（图片较大，预览中未显示）</p>'
        )
    listed = "".join(
        f"<li>{html.escape(posixpath.basename(path))}（{max(1, len(data) // 1024)} KB）</li>"
        for path, data in sorted(draft.files.items())
    )
    files = f'<p class="review-files">引用的文件（随本版本一同审核）：</p><ul>{listed}</ul>'
    if draft.category == lessons.CATEGORY:  # what she will hear, to be read before approving
        body += lessons.review_block(draft.text, draft.relative, draft.files)
    return head + body + (files if listed else "")


def register(content: Path, by: str | None, *, notify: bool = True) -> int:
    """Register every new or changed article; the reviewers of each pending one are told
    (review_requests: once per version, however often it is registered)."""
    from chalicelib import clock
    from chalicelib.audiences import Context
    from chalicelib.models import OrgUnit
    from chalicelib.review_requests import request_review
    from tools.review_store import Submission, store_file
    from tools.review_store import register as store

    drafts, problems = read_drafts(content)
    if problems:
        print("内容有误，未登记任何文章：", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        return 1
    counts: dict[str, int] = {}
    ctx = None
    for draft in drafts:
        try:
            unit = OrgUnit.get(draft.branch)
        except OrgUnit.DoesNotExist:
            print(
                f"{draft.relative}: 单位 {draft.branch} 不在组织库中（先导入 units.csv）",
                file=sys.stderr,
            )
            return 1
        for data in draft.files.values():
            store_file(data)  # before the version: an approval requires its files stored
        state = store(
            Submission(
                slug=draft.slug,
                content_hash=draft.content_hash,
                title=draft.title,
                category=draft.category,
                branch_id=draft.branch,
                branch_path=tuple(unit.path),
                source_path=draft.relative,
                source_text=draft.text,
                preview_html=preview_html(draft, content),
                series=draft.series,
                day=draft.day,
                files=draft.file_hashes,
            ),
            by=by,
        )
        counts[state] = counts.get(state, 0) + 1
        if notify and state == "pending":
            ctx = ctx or Context(clock.local_now())
            request_review(
                ctx, draft.slug, draft.content_hash, draft.title, draft.branch, tuple(unit.path)
            )
    labels = {
        "pending": "待审核",
        "approved": "已通过",
        "returned": "已退回",
        "superseded": "已替代",
    }
    print("登记完成：" + "，".join(f"{labels.get(k, k)} {v} 篇" for k, v in sorted(counts.items())))
    return 0


def status(content: Path) -> int:
    from chalicelib.models import ReviewItem

    drafts, problems = read_drafts(content)
    for line in problems:
        print(line)
    labels = {
        "pending": "待审核",
        "approved": "已通过",
        "returned": "已退回",
        "superseded": "已替代",
    }
    for draft in drafts:
        try:
            item = ReviewItem.get(draft.slug, draft.content_hash)
            state = labels.get(item.state, item.state) + (f"：{item.reason}" if item.reason else "")
        except ReviewItem.DoesNotExist:
            state = "未登记（运行 make review）"
        print(f"{draft.relative}  {state}")
    return 1 if problems else 0


def export(target: Path) -> int:
    """The approved versions as an approvals file, their files' bytes in `<target>.files/`."""
    from tools.review_store import load_file, published_versions

    folder = target.with_suffix(".files")
    folder.mkdir(parents=True, exist_ok=True)
    data = {}
    for slug, p in sorted(published_versions().items()):
        data[slug] = {
            "hash": p.content_hash,
            "source": p.source_text,
            "files": p.files,
            "path": p.source_path,
        }
        for digest in (p.files or {}).values():
            stored = load_file(digest) if digest else None
            if stored is not None:
                (folder / digest).write_bytes(stored)
    target.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"已导出 {len(data)} 篇已审核文章到 {target}（引用的文件在 {folder}）")
    return 0


def approval(draft: Draft, files_dir: Path | None = None) -> dict:
    """The approvals-file entry approving this draft as it is now; its files' bytes are
    written to files_dir (the store an offline build reads) when given."""
    if files_dir is not None:
        files_dir.mkdir(parents=True, exist_ok=True)
        for data in draft.files.values():
            (files_dir / file_hash(data)).write_bytes(data)
    return {
        "hash": draft.content_hash,
        "source": draft.text,
        "files": draft.file_hashes,
        "path": draft.relative,
    }


def approval_of(content: Path, path: Path, files_dir: Path | None = None) -> tuple[str, dict]:
    """(slug, approvals-file entry) approving one file exactly as it is, unchecked: for tests of
    what the build itself reports about approved content. Missing files are bound as missing."""
    text = path.read_text(encoding="utf-8")
    relative = path.relative_to(content).as_posix()
    _, meta = MarkdownReader(site_settings(content)).read(str(path))
    digest, files = disk_version(content, relative, text)
    if files_dir is not None:
        files_dir.mkdir(parents=True, exist_ok=True)
        for name in files:
            if (content / name).is_file():
                data = (content / name).read_bytes()
                (files_dir / file_hash(data)).write_bytes(data)
    entry = {"hash": digest, "source": normalise(text), "files": files, "path": relative}
    return str(meta.get("slug") or ""), entry


def approvals_for(
    content: Path, skip: Sequence[str] = (), files_dir: Path | None = None
) -> dict[str, dict]:
    """Approvals-file data approving every article as it is now (tests and benches)."""
    drafts, problems = read_drafts(content)
    if problems:
        raise ContentError("\n".join(problems))
    return {d.slug: approval(d, files_dir) for d in drafts if d.slug not in skip}


def publish_as_is(content: Path, by: str = "test") -> int:
    """Every article of `content` approved as it is now, straight into the published versions
    (and its files into the file store): tests and benches that need the full site."""
    from chalicelib.models import PublishedVersion
    from tools.review_store import store_file

    drafts, problems = read_drafts(content)
    if problems:
        raise ContentError("\n".join(problems))
    for draft in drafts:
        for data in draft.files.values():
            store_file(data)
    with PublishedVersion.batch_write() as batch:
        for draft in drafts:
            batch.save(
                PublishedVersion(
                    draft.slug,
                    content_hash=draft.content_hash,
                    source_text=draft.text,
                    source_path=draft.relative,
                    files=draft.file_hashes,
                    approved_at=by,
                    approved_by=by,
                )
            )
    return len(drafts)


def demo_manifest(content: Path = ROOT / "content") -> dict[str, str]:
    """slug → hash of the shipped demo articles that `make dev` approves."""
    return {slug: v["hash"] for slug, v in approvals_for(content, DEMO_PENDING).items()}


def seed_demo_approvals(reviewer: str, content: Path = ROOT / "content") -> tuple[int, int]:
    """Register the content; approve the shipped demo versions (tools/demo_approvals.json).

    Only a version whose hash is in the manifest is approved, so an editor's own new or edited
    article stays pending in `make dev` as it would in production. Returns (approved, pending).
    """
    from chalicelib import clock
    from chalicelib.models import Member
    from chalicelib.review import APPROVED, PENDING, decide

    # The reviewers are told of what stays pending only (below), not of what is approved at once.
    if register(content, by="make dev", notify=False) != 0:
        raise SystemExit("示范内容登记失败")
    manifest = json.loads(DEMO_MANIFEST.read_text(encoding="utf-8"))
    member = Member.get(reviewer)
    drafts, _ = read_drafts(content)
    approved = pending = 0
    from chalicelib.audiences import Context
    from chalicelib.models import ReviewItem
    from chalicelib.review_requests import request_review

    ctx = Context(clock.local_now())
    for draft in drafts:
        item = ReviewItem.get(draft.slug, draft.content_hash)
        if manifest.get(draft.slug) == draft.content_hash and item.state == PENDING:
            decide(member, draft.slug, draft.content_hash, APPROVED)
            approved += 1
        elif item.state == PENDING:
            pending += 1
            request_review(
                ctx, item.slug, item.content_hash, item.title, item.branch_id, (item.branch_id,)
            )
    return approved, pending


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="内容审核：登记待审核、查看状态、导出审核结果")
    sub = parser.add_subparsers(dest="command", required=True)
    reg = sub.add_parser("register", help="把新增或修改的文章登记为待审核")
    reg.add_argument("--content", type=Path, default=ROOT / "content")
    reg.add_argument("--by", default=os.environ.get("USER"), help="提交人（编辑）")
    st = sub.add_parser("status", help="每篇文章的审核状态")
    st.add_argument("--content", type=Path, default=ROOT / "content")
    ex = sub.add_parser("export", help="导出已审核版本（离线构建用）")
    ex.add_argument("target", type=Path)
    sub.add_parser("demo-manifest", help="更新 tools/demo_approvals.json（示范内容改动后）")
    args = parser.parse_args(argv)
    try:
        if args.command == "register":
            return register(args.content, args.by)
        if args.command == "status":
            return status(args.content)
        if args.command == "export":
            return export(args.target)
        data = demo_manifest()
        DEMO_MANIFEST.write_text(
            json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        print(f"已更新 {DEMO_MANIFEST.relative_to(ROOT)}（{len(data)} 篇）")
        return 0
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
