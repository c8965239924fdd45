"""Catalog items, tokens and a generated organisation for the reading / points / boards tests."""

from __future__ import annotations

import random

from chalicelib import tokens
from chalicelib.models import CatalogItem, Member, OrgUnit
from tests.factories import make_member, make_tree


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
    from chalicelib import clock
    from chalicelib.models import ReadingState

    start = clock.now() - ago
    ReadingState(
        member_no,
        until=start,
        views={
            v: {"s": slug, "f": start, "c": 0, "q": {0}, "t": start} for v, slug in views.items()
        },
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
    members = []
    n = 0
    for uid, unit in units.items():
        if unit.kind != "branch":
            continue
        for _ in range(rng.randint(*size)):
            n += 1
            members.append(make_member(f"6{n:07d}", uid, name=f"党员{n}", password=None))
    return units, members
