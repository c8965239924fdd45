"""The demo organisation's 支部家园 for `make dev`: posts of the last weeks in several branches,
most approved by their branch secretary (one with photos, one edited afterwards and waiting for
the re-review while the approved text stays shown), one waiting for review, one returned with a
reason — the demo member 李明 has posts of her own among them.

Played through `chalicelib.branch_posts` itself (create with photos uploaded to the stand-in,
then the secretary's decision), with this thread's clock moved to each moment
(`demo_activity.moved_clock`), so every step has its person and its time.

Idempotent: each post's id derives from its author and a fixed request key, so a second run
finds it and writes nothing. The S3 stand-in keeps its files in memory, the local database on
disk: every run puts the demo photos back where the posts name them.
"""

from __future__ import annotations

import hashlib
import io
import sys
from dataclasses import dataclass

from chalicelib import branch_posts, clock, uploads
from chalicelib.models import Member
from chalicelib.models.branch_posts import BranchPost
from tools import demo_activity, demo_meetings, demo_registry


@dataclass(frozen=True)
class Planned:
    key: str
    branch: int  # index among the branches, the demo member's first
    author: int  # index among the branch's plain members (-1: the demo member)
    text: str
    photos: int
    days_ago: float
    decision: str | None  # approve / reject / None (waiting)
    reason: str | None = None
    edit: str | None = None  # a later edit, waiting for review


PLANNED = (
    Planned(
        "demo-post-0001", 0, -1,
        "支部组织党员到红色教育基地参观学习，重温入党誓词，"
        "大家纷纷表示要把初心落实到岗位上。",
        3, 26.4, "approve",
    ),
    Planned(
        "demo-post-0002", 1, 0,
        "本周四下午，支部开展“学党章、守党规”主题党日活动，"
        "围绕党章第一章进行了交流研讨。",
        1, 19.2, "approve",
    ),
    Planned(
        "demo-post-0003", 2, 1,
        "抢修一线党员突击队连续奋战 36 小时，完成 10 千伏线路故障抢修，保障了居民用电。",
        2, 14.8, "approve",
        edit="抢修一线党员突击队连续奋战 36 小时，完成 10 千伏线路故障抢修，"
        "按时恢复了 1200 户居民用电。",
    ),
    Planned(
        "demo-post-0004", 0, 2,
        "支部党员志愿者走进社区，为独居老人检查家中用电线路，更换老化插座 20 余个。",
        2, 9.1, "approve",
    ),
    Planned(
        "demo-post-0005", 3, 0,
        "支部召开组织生活会，党员逐一对照检查、开展批评与自我批评。",
        0, 5.6, "approve",
    ),
    Planned(
        "demo-post-0006", 1, 2, "周末一起去钓鱼，地点在城东水库。", 0, 3.3, "reject",
        reason="与支部活动无关，请发布本支部组织的活动",
    ),
    Planned(
        "demo-post-0007", 0, -1,
        "今天支部“三会一课”学习了《习近平新时代中国特色社会主义思想学习纲要》第三章。",
        1, 0.4, None,
    ),
)  # fmt: skip

COLOURS = ((200, 22, 29), (245, 197, 91), (74, 93, 133), (7, 193, 96), (143, 85, 0))


def _jpeg(seed: str) -> bytes:
    """A small photo-like JPEG (a colour band per seed), the same bytes for the same seed."""
    from PIL import Image, ImageDraw

    n = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    img = Image.new("RGB", (800, 600), COLOURS[n % len(COLOURS)])
    draw = ImageDraw.Draw(img)
    for i in range(6):
        shade = COLOURS[(n >> (i * 3)) % len(COLOURS)]
        draw.rectangle((0, 380 + i * 36, 800, 416 + i * 36), fill=shade)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=75)
    return buf.getvalue()


def _photo_keys(plan: Planned, member_no: str) -> list[tuple[str, str]]:
    """(upload key, seed) of each planned photo: fixed names, so a rerun finds the same keys."""
    prefix = branch_posts.upload_prefix(member_no)
    out = []
    for i in range(plan.photos):
        token = hashlib.sha256(f"{plan.key}#{i}".encode()).hexdigest()[:32]
        out.append((f"{uploads.INCOMING}{prefix}/{token}.jpg", f"{plan.key}#{i}"))
    return out


def _put(key: str, seed: str) -> None:
    uploads.s3().put_object(
        Bucket=uploads.get_settings().uploads_bucket,
        Key=key,
        Body=_jpeg(seed),
        ContentType="image/jpeg",
    )


def _people() -> tuple[list[str], dict[str, list[demo_meetings.Person]]]:
    people = demo_meetings.people()
    member = demo_registry.DEMO_MEMBER.member_no
    home = next(b for b, ps in people.items() if any(p.member_no == member for p in ps))
    others = sorted(b for b, ps in people.items() if b != home and b.startswith("B"))
    return [home, *others], people


def _author(plan: Planned, branch: str, people) -> str:
    if plan.author < 0:
        return demo_registry.DEMO_MEMBER.member_no
    accounts = {a.member_no for a in demo_registry.DEMO_ACCOUNTS}
    plain = [p for p in people[branch] if not p.roles and p.member_no not in accounts]
    return plain[plan.author % len(plain)].member_no


def _secretary(branch: str, people) -> str:
    return next(p.member_no for p in people[branch] if "branch_secretary" in p.roles)


def seed() -> int:
    """Play the planned posts; returns how many were made now."""
    branches, people = _people()
    made = 0
    now = clock.now()
    for plan in PLANNED:
        branch = branches[plan.branch % len(branches)]
        author = Member.get(_author(plan, branch, people))
        keys = _photo_keys(plan, author.member_no)
        post_id = branch_posts._post_id(author, plan.key)
        try:
            post = BranchPost.get(post_id, consistent_read=True)
        except BranchPost.DoesNotExist:
            post = None
        if post is not None:
            # Kept photos have fresh names: put the stand-in's bytes back under the post's own.
            kept = list(post.photos or []) + list(post.shown_photos or [])
            for key, (_, seed_) in zip(dict.fromkeys(kept), keys, strict=False):
                _put(key, seed_)
            continue
        for key, seed_ in keys:
            _put(key, seed_)
        _play(plan, author, [k for k, _ in keys], _secretary(branch, people), now)
        made += 1
    return made


def _play(plan: Planned, author: Member, photos: list[str], secretary: str, now: float) -> None:
    with demo_activity.moved_clock() as at:
        at[0] = now - plan.days_ago * 86400
        body = {"text": plan.text, "photos": photos, "request_key": plan.key}
        post, _ = branch_posts.create(author, body)
        if plan.decision is None:
            return
        at[0] += 3 * 3600  # the secretary decides a few hours later
        reviewer = Member.get(secretary)
        decision = {"decision": plan.decision, "hash": post["latest"]["hash"]}
        if plan.reason:
            decision["reason"] = plan.reason
        branch_posts.decide(reviewer, post["id"], decision)
        if plan.edit:
            at[0] += 86400
            kept = [p["key"] for p in post["latest"]["photos"]]
            branch_posts.edit(author, post["id"], {"text": plan.edit, "photos": kept})


def main() -> int:
    print(f"示范支部家园：新发布 {seed()} 条动态（已有的不变）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
