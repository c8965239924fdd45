"""Records written straight through the models, for the tests and the benches that need exact
shapes: a small organisation and its members, catalog items, campaigns, and bearer tokens made
in-process (the same keys as the API under test, no login).

Not a way to load real data: the importers and the publishers validate, these do not.
"""

from __future__ import annotations

import random
import uuid

from chalicelib import clock, passwords, ranking_log, tokens
from chalicelib.models import Campaign, CatalogItem, Member, OrgUnit, ReadingState
from chalicelib.models.registry import remind_key

# committee C1 → general branch G1 → branches B1, B2; committee C1 → branch B3 (no general branch)
TREE = [
    ("C1", "示范党委", "committee", None),
    ("G1", "第一党总支", "general_branch", "C1"),
    ("B1", "第一党支部", "branch", "G1"),
    ("B2", "第二党支部", "branch", "G1"),
    ("B3", "机关党支部", "branch", "C1"),
]
PASSWORD = "dangjian2026"


def make_tree() -> dict[str, OrgUnit]:
    units: dict[str, OrgUnit] = {}
    for order, (uid, name, kind, parent) in enumerate(TREE):
        base = units[parent] if parent else None
        unit = OrgUnit(
            uid,
            name=name,
            kind=kind,
            parent_id=parent,
            path=[*(base.path if base else []), uid],
            path_kinds=[*(base.path_kinds if base else []), kind],
            sort_order=order,
        )
        unit.save()
        units[uid] = unit
    ranking_log.registry_changed()  # as the importers do: the ranking job re-reads the registry
    return units


def make_member(
    member_no: str,
    branch_id: str,
    *,
    name: str = "张三",
    phone: str | None = "13800001234",
    roles: tuple[str, ...] = (),
    password: str | None = PASSWORD,
    active: bool = True,
    joined_on: str | None = "2001-07-01",
) -> Member:
    member = Member(
        member_no,
        name=name,
        gender="女",
        phone=phone,
        branch_id=branch_id,
        status="full",
        roles=list(roles),
        joined_on=joined_on,
        active=active,
        remind_key=remind_key(list(roles), joined_on, active),
        password_hash=passwords.hash_password(password) if password else None,
    )
    member.save()
    ranking_log.registry_changed()
    return member


def make_item(
    slug: str, chars: int = 400, kind: str = "article", day: int | None = None
) -> CatalogItem:
    """400 characters: about 60 s to read, so 30 s makes it read and a view caps at 120 s."""
    item = CatalogItem(
        slug,
        title=f"标题 {slug}",
        url=f"/articles/{slug}.html",
        category="党章百日学" if kind == "constitution" else "思想建设",
        kind=kind,
        series_day=day,
        reading_minutes=1,
        chars=chars,
        published=True,
    )
    item.save()
    return item


def opened_views(member_no: str, views: dict[str, str], ago: float) -> None:
    """As if the member's pages had opened these views (view id → slug) `ago` seconds ago and
    nothing was credited since: the server then credits up to `ago` seconds of reading."""
    start = clock.now() - ago
    ReadingState(
        member_no,
        until=start,
        views={v: {"s": slug, "f": start, "c": 0, "h": 0, "t": start} for v, slug in views.items()},
    ).save()


def bearer(member: Member) -> dict[str, str]:
    """An access token made in-process (same keys as the API under test): no login needed."""
    token = tokens.issue_access_token(member.member_no, member.session_epoch, "test-session", 0)
    return {"Authorization": f"Bearer {token}"}


def generated_org(seed: int, branches_per_general: int = 3, size: tuple[int, int] = (2, 12)):
    """make_tree() plus extra branches and members with random sizes: (units, members)."""
    units = make_tree()
    rng = random.Random(seed)
    for i in range(branches_per_general):
        uid = f"BX{i}"
        parent = units["G1"] if i % 2 == 0 else units["C1"]
        unit = OrgUnit(
            uid,
            name=f"生成支部{i}",
            kind="branch",
            parent_id=parent.unit_id,
            path=[*parent.path, uid],
            path_kinds=[*parent.path_kinds, "branch"],
            sort_order=10 + i,
        )
        unit.save()
        units[uid] = unit
    ranking_log.registry_changed()
    members = []
    n = 0
    for uid, unit in units.items():
        if unit.kind != "branch":
            continue
        for _ in range(rng.randint(*size)):
            n += 1
            members.append(make_member(f"6{n:07d}", uid, name=f"党员{n}", password=None))
    return units, members


def rid() -> str:
    """A fresh request id, as the pages send with each write."""
    return uuid.uuid4().hex


def make_campaign(
    campaign_id: str = "c1",
    candidates: tuple[str, ...] = ("cand-a", "cand-b", "cand-c"),
    *,
    opens_in: float = -3600,
    closes_in: float = 3600,
    votes_per_member: int = 2,
    per_candidate: int = 1,
    daily_quota: int | None = None,
    units: tuple[str, ...] = (),
    unit_names: tuple[str, ...] = (),
    results: str = "live",
) -> Campaign:
    for slug in candidates:
        make_item(slug)
    now = clock.now()
    campaign = Campaign(
        campaign_id,
        title=f"评选 {campaign_id}",
        url=f"/articles/{campaign_id}.html",
        starts_at=now + opens_in,
        ends_at=now + closes_in,
        votes_per_member=votes_per_member,
        per_candidate=per_candidate,
        daily_quota=daily_quota,
        units=list(units),
        unit_names=list(unit_names or units),
        results=results,
        candidates=[
            {"slug": s, "title": f"候选 {s}", "url": f"/articles/{s}.html"} for s in candidates
        ],
        source="content",
        published=True,
        updated_at=now,
    )
    campaign.save()
    return campaign


# A branch's new article as an editor registers it (`make review`), pending review.
REVIEW_TEXT = "Title: 支部动态\nCategory: 微发布\nSlug: {slug}\nBranch: {branch}\n\n{body}\n"


def submit_for_review(
    slug: str,
    unit: OrgUnit,
    body: str = "正文。",
    text: str | None = None,
    files: dict | None = None,
):
    """Register a version of `slug` from `unit` (a branch of make_tree()) as pending review."""
    from chalicelib import review
    from tools import review_store

    text = text or REVIEW_TEXT.format(slug=slug, branch=unit.unit_id, body=body)
    sub = review_store.Submission(
        slug=slug,
        content_hash=review.source_hash(text),
        title=f"{slug} 标题",
        category="微发布",
        branch_id=unit.unit_id,
        branch_path=tuple(unit.path),
        source_path=f"articles/{slug}.md",
        source_text=review.normalise(text),
        preview_html=f"<p>{body}</p>",
        files=files,
    )
    assert review_store.register(sub, by="editor") == review.PENDING
    return sub
