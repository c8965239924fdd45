"""Writing the review tables offline: register versions for review, store the bytes of the files
they reference, read the approved versions (and those bytes) for the publish build.

Kept out of `chalicelib` so that the API's IAM role needs no Query on the review items table and
no Scan at all: these run on an editor's machine (`make review`) and in the publish build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pynamodb.exceptions import UpdateError

from chalicelib.models import PublishedVersion, ReviewFile, ReviewItem
from chalicelib.models.review import FILE_PART_BYTES
from chalicelib.review import PENDING, SUPERSEDED, now_iso
from tools.review_version import file_hash


def pending_keys(branch_path: Iterable[str], registered_at: str) -> tuple[str, str]:
    """The sparse GSI's keys: (root unit, "C01/G01/B0101/#<time>")."""
    path = list(branch_path)
    return path[0], "/".join(path) + "/#" + registered_at


@dataclass(frozen=True)
class Submission:
    slug: str
    content_hash: str
    title: str
    category: str
    branch_id: str
    branch_path: tuple[str, ...]
    source_path: str
    source_text: str
    preview_html: str
    series: str | None = None
    day: str | None = None
    files: dict[str, str] | None = None  # content path -> SHA-256 of each referenced file


def register(sub: Submission, by: str | None = None) -> str:
    """Store a version as pending unless it is known; older pending versions are superseded.

    Returns the version's state after the call (pending for a new one).
    """
    try:
        known = ReviewItem.get(sub.slug, sub.content_hash)
        return known.state
    except ReviewItem.DoesNotExist:
        pass
    now = now_iso()
    root, path = pending_keys(sub.branch_path, now)
    item = ReviewItem(
        sub.slug,
        sub.content_hash,
        title=sub.title,
        category=sub.category,
        branch_id=sub.branch_id,
        source_path=sub.source_path,
        source_text=sub.source_text,
        preview_html=sub.preview_html,
        series=sub.series,
        day=sub.day,
        files=dict(sub.files) if sub.files is not None else None,
        state=PENDING,
        registered_at=now,
        registered_by=by,
        pending_root=root,
        pending_path=path,
    )
    item.save(condition=ReviewItem.content_hash.does_not_exist())
    for older in ReviewItem.query(sub.slug, filter_condition=ReviewItem.state == PENDING):
        if older.content_hash == sub.content_hash:
            continue
        try:
            older.update(
                actions=[
                    ReviewItem.state.set(SUPERSEDED),
                    ReviewItem.pending_root.remove(),
                    ReviewItem.pending_path.remove(),
                ],
                condition=ReviewItem.state == PENDING,
            )
        except UpdateError:  # decided meanwhile: its decision stands
            continue
    return PENDING


def published_versions() -> dict[str, PublishedVersion]:
    """Every approved version members may see, by slug (a Scan off-request)."""
    return {p.slug: p for p in PublishedVersion.scan()}


# What the build matches article files with: every approved version but not its text.
INDEX_ATTRIBUTES = ("slug", "content_hash", "source_path", "files")


def published_index() -> dict[str, PublishedVersion]:
    """Every approved version by slug, without `source_text` (the publish build's Scan: it needs
    the text only of the versions it cannot take from the article's own file)."""
    return {p.slug: p for p in PublishedVersion.scan(attributes_to_get=list(INDEX_ATTRIBUTES))}


def published_of(slugs: Iterable[str]) -> dict[str, PublishedVersion]:
    """These slugs' approved versions, whole (BatchGetItem, 100 keys a call); absent: revoked."""
    wanted = sorted(set(slugs))
    return {p.slug: p for p in PublishedVersion.batch_get(wanted)} if wanted else {}


def store_file(data: bytes) -> str:
    """Keep a referenced file's bytes under their SHA-256 (once); returns the hash."""
    digest = file_hash(data)
    try:
        ReviewFile.get(digest, 0)
        return digest
    except ReviewFile.DoesNotExist:
        pass
    chunks = [data[i : i + FILE_PART_BYTES] for i in range(0, len(data), FILE_PART_BYTES)] or [b""]
    # Part 0 last: an approval (and the build) takes its presence to mean the file is complete.
    for number in [*range(1, len(chunks)), 0]:
        ReviewFile(digest, number, data=chunks[number], parts=len(chunks), size=len(data)).save()
    return digest


def load_file(digest: str) -> bytes | None:
    """The stored bytes with this SHA-256, or None (absent, incomplete or not matching)."""
    parts = sorted(ReviewFile.query(digest), key=lambda p: p.part)
    if not parts or parts[0].part != 0 or len(parts) != parts[0].parts:
        return None
    data = b"".join(p.data for p in parts)
    return data if file_hash(data) == digest else None
