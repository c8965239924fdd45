"""支部家园: members post short updates with photos about their branch; the branch's reviewers
approve them; approved posts appear on the branch page and in the feed at once (read from the
API, no site rebuild).

The gate has the articles' semantics (`review.py`): what is shown is exactly an approved version.
A version is the text and the photo keys; its hash (SHA-256 over both) is what a reviewer
approves — a decision names the hash it saw and is refused (409) when the version changed
meanwhile, and it is one conditional write, so two reviewers at once make one decision. An
author's edit makes a new pending version while the approved one stays shown. A photo is served
only as a short-lived signed link: to every reader for the photos of the approved version, to
the author and the reviewers only for those of a pending one.

- Post: only members of the branch post to it (their own branch); 1–500 characters after
  trimming; 0–9 photos uploaded straight to storage (`uploads.py`, kind photo, prefix
  "posts/<her number>": presign → verify → keep, kept as "posts/<random>", so neither a link nor
  a key says who posted; only the author and the reviewers get the keys); the sensitive-word
  check (`sensitive.py`) as for comments: a hit is never dropped, it is recorded for the
  reviewer. The client's `request_key` makes the post id, so a retried POST makes one post.
- Reviewers: the branch's own staff (支部书记, 支部委员) and staff who manage it from above
  (党总支, 党委, 管理员; `scope.py`). They approve, or reject with a reason the author reads,
  and may take an approved post down with a reason. The author may withdraw her post.
- Readers: members see the approved posts of every branch under their committee (党委); staff see
  those of units in their scope; a pending or rejected version only its author and the reviewers.
  Any other post — and an id that does not exist — is refused alike (403).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from . import clock, cursors, registry, scope, sensitive, uploads
from .errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from .identifiers import CONTENT_HASH, is_client_key, is_unit_id
from .models import Member, OrgUnit
from .models.base import condition_failed
from .models.branch_posts import BranchPost, PostStep
from .org import ROLES

MIN_CHARS, MAX_CHARS = 1, 500
MAX_PHOTOS = 9
MAX_VERSIONS = 30  # the first and 29 edits: a post's item (with its steps) stays small
MAX_REASON_CHARS = 200
PAGE = 20
QUEUE_LIMIT = 100
PREFIX = "posts"
POST_ID = re.compile(r"[0-9a-f]{32}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

LIVE, WITHDRAWN, TAKEN_DOWN = "live", "withdrawn", "taken_down"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATE_LABELS = {
    PENDING: "待审核",
    APPROVED: "已通过",
    REJECTED: "未通过",
    WITHDRAWN: "已撤回",
    TAKEN_DOWN: "已下架",
}
DECISIONS = {"approve": APPROVED, "reject": REJECTED}
NO_ACCESS = "无权查看这条动态"
NOT_MEMBER_OF = "只有本支部党员可以在支部家园发布动态"


# --- who may do what ----------------------------------------------------------------------------


def feed_unit(path: list[str] | tuple[str, ...], kinds: list[str] | tuple[str, ...]) -> str:
    """The committee (党委) a branch belongs to: the nearest committee above it, else the root."""
    for unit_id, kind in zip(reversed(path), reversed(kinds), strict=True):
        if kind == "committee":
            return unit_id
    return path[0]


def is_reviewer(caller: scope.Caller, branch: OrgUnit) -> bool:
    """A role that applies at the branch itself (支部书记, 支部委员), or manage access over it."""
    if any(
        key in ROLES
        and ROLES[key].unit_kind == "branch"
        and scope.role_unit(caller, key) == branch.unit_id
        for key in caller.roles
    ):
        return True
    return scope.unit_access(caller, branch.path) == "manage"


def may_read_branch(caller: scope.Caller, branch: OrgUnit) -> bool:
    """Members of the branch's committee subtree, and staff whose scope covers the branch."""
    if branch.kind != "branch":
        return False
    if caller.path and feed_unit(caller.path, caller.path_kinds) == feed_unit(
        branch.path, branch.path_kinds
    ):
        return True
    return scope.unit_access(caller, branch.path) != "none"


def _branch(unit_id: str) -> OrgUnit | None:
    try:
        return registry.get_unit(unit_id)
    except NotFoundError:
        return None


# --- input --------------------------------------------------------------------------------------


def clean_text(text: Any) -> str:
    """LF line ends, no surrounding blanks, 1–500 characters, no control characters, else 400."""
    if not isinstance(text, str):
        raise BadRequestError("动态内容（text）须为字符串")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(text):
        raise BadRequestError("动态内容含有无效字符")
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        raise BadRequestError(f"动态内容须为 {MIN_CHARS}–{MAX_CHARS} 字（现在 {len(text)} 字）")
    # Zero-width spaces, BOMs and the like alone are an empty post that passes strip().
    if all(unicodedata.category(ch)[0] in "ZC" for ch in text):
        raise BadRequestError("动态内容不能为空")
    return text


def clean_reason(reason: Any, *, required: bool) -> str | None:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            raise BadRequestError("请填写理由（reason）")
        return None
    if not isinstance(reason, str):
        raise BadRequestError("理由（reason）须为字符串")
    reason = reason.strip()
    if _CONTROL.search(reason) or len(reason) > MAX_REASON_CHARS:
        raise BadRequestError(f"理由（reason）须为 1–{MAX_REASON_CHARS} 字，不含控制字符")
    return reason


def _photo_list(photos: Any) -> list[str]:
    if photos is None:
        return []
    if not isinstance(photos, list) or not all(isinstance(p, str) for p in photos):
        raise BadRequestError("照片（photos）须为文件标识的数组")
    if len(photos) > MAX_PHOTOS:
        raise BadRequestError(f"每条动态最多 {MAX_PHOTOS} 张照片")
    if len(set(photos)) != len(photos):
        raise BadRequestError("照片（photos）中有重复的文件")
    return photos


def version_hash(text: str, photos: list[str]) -> str:
    """What an approval binds: the text and the photo keys, in order."""
    blob = json.dumps({"text": text, "photos": photos}, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def upload_prefix(member_no: str) -> str:
    """Her own uploads' prefix: an upload key another member learns is of no use to her."""
    return f"{PREFIX}/{member_no}"


def _keep_photos(photos: list[str], allowed_kept: set[str], member_no: str) -> list[str]:
    """Upload keys checked, then kept (each under a fresh name: `uploads.keep`); keys of the
    post's own photos pass as they are. A refused photo refuses the whole request before
    anything is kept or written."""
    prefix = upload_prefix(member_no)
    new = [key for key in photos if key not in allowed_kept]
    for key in new:
        if not uploads.is_upload_key(key, prefix):
            raise BadRequestError("照片文件标识（photos）不正确，请重新上传")
    checked = [uploads.verify(key, prefix, uploads.KINDS["photo"]) for key in new]
    kept = {c.key: uploads.keep(c) for c in checked}
    return [kept.get(key, key) for key in photos]


def _tidy(sent: list[str], kept: list[str], stored: list[str]) -> None:
    """After the write: delete the uploads sent (their kept copies are named now), and the
    copies this request made that the stored version does not name (a twin's write won)."""
    for key in sent:
        if key.startswith(uploads.INCOMING):  # not the post's own kept photos
            uploads.discard(key)
    for key in kept:
        if key not in stored and key not in sent:
            uploads.discard(key)


# --- views --------------------------------------------------------------------------------------


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(float(ts), clock.TZ).isoformat(timespec="seconds")


def _photos(keys: list[str] | None, *, insider: bool) -> list[dict[str, str]]:
    """Signed links; the storage keys only for the author and the reviewers (an edit names the
    photos it keeps by them), never for other readers."""
    if insider:
        return [{"key": k, "url": uploads.signed_get(k)} for k in keys or []]
    return [{"url": uploads.signed_get(k)} for k in keys or []]


def view(post: BranchPost, *, insider: bool) -> dict[str, Any]:
    """A post as a reader sees it (only the approved version); `insider` (the author or a
    reviewer) also sees the latest version, its state and the reason of a refusal."""
    shown = post.state == LIVE and post.shown_hash is not None
    out: dict[str, Any] = {
        "id": post.post_id,
        "branch_id": post.branch_id,
        "branch_name": post.branch_name,
        "author_name": post.author_name,
        "published_at": _iso(post.published_at),
        "shown": shown,
        "text": post.shown_text if shown else None,
        "photos": _photos(post.shown_photos, insider=insider) if shown else [],
        "edited": bool(shown and post.version > 1 and post.approved_at != post.published_at),
    }
    if insider:
        out.update(
            {
                "state": post.state,
                "state_label": STATE_LABELS.get(
                    post.state if post.state != LIVE else post.version_state, post.state
                ),
                "latest": {
                    "hash": post.content_hash,
                    "text": post.text,
                    "photos": _photos(post.photos, insider=True),
                    "state": post.version_state,
                    "state_label": STATE_LABELS.get(post.version_state, post.version_state),
                    "at": _iso(post.version_at),
                    "hits": list(post.hits or []),
                },
                "reason": post.reason,
                "decided_at": _iso(post.decided_at),
                "created_at": _iso(post.created_at),
                "steps": [
                    {
                        "act": s.act,
                        "by_name": s.by_name,
                        "at": _iso(s.at),
                        "reason": s.reason,
                    }
                    for s in post.steps or []
                ],
            }
        )
    return out


# --- posting ------------------------------------------------------------------------------------


def start_upload(member: Member, content_type: Any, size: Any, name: Any) -> dict[str, Any]:
    """A pre-signed POST for one photo of a post (the declared type and size refused up front)."""
    if not isinstance(size, int) or isinstance(size, bool):
        raise BadRequestError("文件大小（size）须为整数")
    uploads.clean_name(name)
    prefix = upload_prefix(member.member_no)
    return uploads.presign(prefix, uploads.KINDS["photo"], str(content_type), size)


def _post_id(member: Member, request_key: Any) -> str:
    if not is_client_key(request_key):
        raise BadRequestError("请求编号（request_key）格式不正确")
    return hashlib.sha256(f"{member.member_no}#{request_key}".encode()).hexdigest()[:32]


def _get(post_id: str, *, consistent: bool = False) -> BranchPost | None:
    if not isinstance(post_id, str) or not POST_ID.fullmatch(post_id):
        return None
    try:
        return BranchPost.get(post_id, consistent_read=consistent)
    except BranchPost.DoesNotExist:
        return None


def _pending_keys(path: list[str], post_id: str) -> tuple[str, str]:
    return path[0], "/".join(path) + "/" + post_id


def create(member: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A new post waiting for review; (its view, created). A retry with the same request key
    returns the post it made."""
    post_id = _post_id(member, body.get("request_key"))
    existing = _get(post_id, consistent=True)
    if existing is not None:
        return view(existing, insider=True), False
    branch = registry.get_unit(member.branch_id)
    wanted = body.get("branch_id")
    if wanted is not None and wanted != branch.unit_id:
        raise ForbiddenError(NOT_MEMBER_OF)
    if branch.kind != "branch":
        raise ForbiddenError(NOT_MEMBER_OF)
    text = clean_text(body.get("text"))
    sent = _photo_list(body.get("photos"))
    try:
        photos = _keep_photos(sent, set(), member.member_no)
    except NotFoundError:
        twin = _get(post_id, consistent=True)  # a parallel twin made it and removed the uploads
        if twin is None:
            raise
        return view(twin, insider=True), False
    hits = sensitive.find(text)
    now = clock.now()
    content_hash = version_hash(text, photos)
    root, path = _pending_keys(list(branch.path), post_id)
    post = BranchPost(
        post_id,
        branch_id=branch.unit_id,
        branch_name=branch.name,
        branch_path=list(branch.path),
        feed_unit=feed_unit(branch.path, branch.path_kinds),
        author=member.member_no,
        author_name=member.name,
        created_at=now,
        created_sort=f"{int(now * 1000):013d}#{post_id}",
        state=LIVE,
        text=text,
        photos=photos,
        sent=sent or None,
        content_hash=content_hash,
        version=1,
        version_state=PENDING,
        version_at=now,
        hits=hits or None,
        steps=[
            PostStep(
                act="create",
                by=member.member_no,
                by_name=member.name,
                at=now,
                content_hash=content_hash,
            )
        ],
        pending_root=root,
        pending_path=path,
    )
    try:
        post.save(condition=BranchPost.post_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        twin = _get(post_id, consistent=True)  # a parallel twin of this request made it
        assert twin is not None
        _tidy([], photos, list(twin.photos or []))
        return view(twin, insider=True), False
    _tidy(sent, photos, photos)
    return view(post, insider=True), True


def _own(member: Member, post_id: str) -> BranchPost:
    post = _get(post_id, consistent=True)
    if post is None or post.author != member.member_no:
        raise ForbiddenError(NO_ACCESS)
    return post


def _update(post: BranchPost, actions: list[Any], condition: Any) -> bool:
    try:
        post.update(actions=actions, condition=condition)
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def edit(member: Member, post_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new version (text and photos) waiting for review; the approved one stays shown until
    this one is approved. The same content again changes nothing (a retry)."""
    post = _own(member, post_id)
    if post.state != LIVE:
        raise ConflictError(f"动态{STATE_LABELS[post.state]}，不能再编辑")
    if member.branch_id != post.branch_id:
        raise ForbiddenError("您已不是该支部党员，不能再编辑这条动态（可以撤回）")
    if post.version >= MAX_VERSIONS:
        raise ConflictError(f"每条动态最多修改 {MAX_VERSIONS - 1} 次，请撤回后重新发布")
    text = clean_text(body.get("text"))
    own = set(post.photos or []) | set(post.shown_photos or [])
    photos = _photo_list(body.get("photos"))
    # A retry changes nothing: the same text and photos as the latest version, named by their
    # kept keys or as they were sent (upload keys, each kept once under a fresh name).
    if text == post.text and photos in (list(post.photos or []), list(post.sent or [])):
        return view(post, insider=True)
    sent = list(photos)
    try:
        photos = _keep_photos(photos, own, member.member_no)
    except NotFoundError:
        post.refresh(consistent_read=True)  # a parallel twin made it and removed the uploads
        if post.state == LIVE and post.text == text and list(post.sent or []) == sent:
            return view(post, insider=True)
        raise
    content_hash = version_hash(text, photos)
    now = clock.now()
    hits = sensitive.find(text)
    root, path = _pending_keys(list(post.branch_path), post.post_id)
    step = PostStep(act="edit", by=member.member_no, by_name=member.name, at=now,
                    content_hash=content_hash)  # fmt: skip
    actions = [
        BranchPost.text.set(text),
        BranchPost.photos.set(photos),
        BranchPost.sent.set(sent) if sent else BranchPost.sent.remove(),
        BranchPost.content_hash.set(content_hash),
        BranchPost.version.add(1),
        BranchPost.version_state.set(PENDING),
        BranchPost.version_at.set(now),
        BranchPost.reason.remove(),
        BranchPost.pending_root.set(root),
        BranchPost.pending_path.set(path),
        BranchPost.steps.set(BranchPost.steps.append([step])),
        BranchPost.hits.set(hits) if hits else BranchPost.hits.remove(),
    ]
    # `version` bounds the item's growth (every version adds a step).
    condition = (BranchPost.state == LIVE) & (BranchPost.version == post.version)
    if not _update(post, actions, condition):
        post.refresh(consistent_read=True)
        _tidy([], photos, list(post.photos or []))
        if post.state == LIVE and post.text == text and list(post.sent or []) == sent:
            return view(post, insider=True)  # a parallel twin of this request made it
        raise ConflictError("动态刚被修改或处理，请刷新后重试")
    _tidy(sent, photos, photos)
    post.refresh(consistent_read=True)
    return view(post, insider=True)


def withdraw(member: Member, post_id: str) -> dict[str, Any]:
    """The author takes her post away (shown or not); a retry answers the same."""
    post = _own(member, post_id)
    if post.state == WITHDRAWN:
        return view(post, insider=True)
    if post.state != LIVE:
        raise ConflictError(f"动态{STATE_LABELS[post.state]}，不能撤回")
    now = clock.now()
    step = PostStep(act="withdraw", by=member.member_no, by_name=member.name, at=now)
    actions = [
        BranchPost.state.set(WITHDRAWN),
        BranchPost.steps.set(BranchPost.steps.append([step])),
        *_off_lists(),
    ]
    if not _update(post, actions, BranchPost.state == LIVE):
        post.refresh(consistent_read=True)
        if post.state == WITHDRAWN:
            return view(post, insider=True)
        raise ConflictError(f"动态{STATE_LABELS.get(post.state, post.state)}，不能撤回")
    post.refresh(consistent_read=True)
    return view(post, insider=True)


def _off_lists() -> list[Any]:
    return [
        BranchPost.branch_key.remove(),
        BranchPost.feed_key.remove(),
        BranchPost.pending_root.remove(),
        BranchPost.pending_path.remove(),
    ]


# --- review -------------------------------------------------------------------------------------


def _reviewed(member: Member, post_id: str) -> tuple[BranchPost, OrgUnit]:
    """The post and its branch, once the caller is one of its reviewers (403 otherwise, and for
    an unknown id)."""
    post = _get(post_id, consistent=True)
    branch = _branch(post.branch_id) if post is not None else None
    if post is None or branch is None or not is_reviewer(registry.caller_for(member), branch):
        raise ForbiddenError("这条动态不在您的审核范围内")
    return post, branch


def decide(member: Member, post_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Approve or reject exactly the version of `hash`: 409 when it changed or was decided."""
    decision = DECISIONS.get(body.get("decision"))  # type: ignore[arg-type]
    if decision is None:
        raise BadRequestError("审核结果（decision）须为 approve 或 reject")
    content_hash = body.get("hash")
    if not isinstance(content_hash, str) or not CONTENT_HASH.fullmatch(content_hash):
        raise BadRequestError("版本（hash）格式不正确")
    reason = clean_reason(body.get("reason"), required=decision == REJECTED)
    post, _ = _reviewed(member, post_id)
    if post.author == member.member_no:
        raise ForbiddenError("不能审核自己发布的动态，请由支部其他委员或上级党组织审核")
    if post.state != LIVE:
        raise ConflictError(f"动态{STATE_LABELS[post.state]}，不能审核")
    if post.content_hash != content_hash:
        raise ConflictError("动态内容已更新，这一版本不再待审核；请刷新后审核最新版本")
    if post.version_state != PENDING:
        if post.version_state == decision and post.decided_by == member.member_no:
            return view(post, insider=True)  # a retried request: same answer, nothing written
        raise ConflictError(f"这一版本已审核（{STATE_LABELS[post.version_state]}）")
    now = clock.now()
    step = PostStep(act="approve" if decision == APPROVED else "reject", by=member.member_no,
                    by_name=member.name, at=now, content_hash=content_hash,
                    reason=reason)  # fmt: skip
    actions = [
        BranchPost.version_state.set(decision),
        BranchPost.decided_by.set(member.member_no),
        BranchPost.decided_at.set(now),
        BranchPost.pending_root.remove(),
        BranchPost.pending_path.remove(),
        BranchPost.steps.set(BranchPost.steps.append([step])),
        BranchPost.reason.set(reason) if reason else BranchPost.reason.remove(),
    ]
    if decision == APPROVED:
        published = post.published_at if post.published_at is not None else now
        actions += [
            BranchPost.shown_text.set(post.text),
            BranchPost.shown_photos.set(list(post.photos or [])),
            BranchPost.shown_hash.set(content_hash),
            BranchPost.approved_at.set(now),
            BranchPost.approved_by.set(member.member_no),
            BranchPost.published_at.set(published),
            BranchPost.branch_key.set(post.branch_id),
            BranchPost.feed_key.set(post.feed_unit),
            BranchPost.sort.set(f"{int(published * 1000):013d}#{post.post_id}"),
        ]
    condition = (
        (BranchPost.state == LIVE)
        & (BranchPost.content_hash == content_hash)
        & (BranchPost.version_state == PENDING)
    )
    if not _update(post, actions, condition):
        post.refresh(consistent_read=True)
        if post.content_hash != content_hash:
            raise ConflictError("动态内容已更新，这一版本不再待审核；请刷新后审核最新版本")
        if post.version_state == decision and post.decided_by == member.member_no:
            return view(post, insider=True)
        raise ConflictError("这一版本刚被他人审核或已撤回，请刷新后查看")
    post.refresh(consistent_read=True)
    return view(post, insider=True)


def take_down(member: Member, post_id: str, reason: Any) -> dict[str, Any]:
    """A reviewer removes an approved post from the branch page and the feed, with a reason."""
    why = clean_reason(reason, required=True)
    post, _ = _reviewed(member, post_id)
    if post.state == TAKEN_DOWN:
        return view(post, insider=True)
    if post.state != LIVE or post.shown_hash is None:
        raise ConflictError("只有已通过审核的动态可以下架")
    now = clock.now()
    step = PostStep(act="takedown", by=member.member_no, by_name=member.name, at=now, reason=why)
    actions = [
        BranchPost.state.set(TAKEN_DOWN),
        BranchPost.reason.set(why),
        BranchPost.decided_by.set(member.member_no),
        BranchPost.decided_at.set(now),
        BranchPost.steps.set(BranchPost.steps.append([step])),
        *_off_lists(),
    ]
    if not _update(post, actions, BranchPost.state == LIVE):
        post.refresh(consistent_read=True)
        if post.state == TAKEN_DOWN:
            return view(post, insider=True)
        raise ConflictError(f"动态{STATE_LABELS.get(post.state, post.state)}，不能下架")
    post.refresh(consistent_read=True)
    return view(post, insider=True)


def _review_prefixes(caller: scope.Caller) -> list[tuple[str, str]]:
    """(root, path prefix) of every subtree whose posts the caller reviews, nested ones dropped:
    the subtrees she manages, and her own branch for a role that applies at it."""
    found = list(scope.managed_subtrees(caller))
    for key in caller.roles:
        role = ROLES.get(key)
        at_branch = role is not None and role.unit_kind == "branch" and bool(caller.path)
        if at_branch and scope.role_unit(caller, key) == caller.path[-1]:
            found.append((caller.path[0], "/".join(caller.path) + "/"))
    found.sort(key=lambda p: (len(p[1]), p[1]))
    kept: list[tuple[str, str]] = []
    for root, prefix in found:
        if not any(prefix.startswith(k) for _, k in kept):
            kept.append((root, prefix))
    return kept


def queue(member: Member) -> dict[str, Any]:
    """The versions waiting for the caller's review, oldest first: one Query per subtree."""
    caller = registry.caller_for(member)
    prefixes = _review_prefixes(caller)
    if not prefixes:
        raise ForbiddenError("只有支部书记、支部委员及上级党组织可以审核支部家园动态")
    items: list[BranchPost] = []
    truncated = False
    for root, prefix in prefixes:
        query = BranchPost.by_pending.query(
            root, BranchPost.pending_path.startswith(prefix), limit=QUEUE_LIMIT
        )
        items.extend(query)
        truncated = truncated or query.last_evaluated_key is not None
    items.sort(key=lambda p: p.version_at)
    out = [{**view(p, insider=True), "own": p.author == member.member_no} for p in items]
    return {"items": out, "truncated": truncated}


# --- reading ------------------------------------------------------------------------------------


def detail(member: Member, post_id: str) -> dict[str, Any]:
    post = _get(post_id)
    if post is None:
        raise ForbiddenError(NO_ACCESS)
    caller = registry.caller_for(member)
    branch = _branch(post.branch_id)
    insider = post.author == member.member_no or (
        branch is not None and is_reviewer(caller, branch)
    )
    shown = post.state == LIVE and post.shown_hash is not None
    if insider or (shown and branch is not None and may_read_branch(caller, branch)):
        return view(post, insider=insider)
    raise ForbiddenError(NO_ACCESS)


def _cursor(cursor: str | None, key_field: str, key: str) -> dict[str, Any] | None:
    if not cursor:
        return None
    return cursors.decode(
        cursor,
        {"post_id": POST_ID.fullmatch, key_field: is_unit_id, "sort": bool},  # type: ignore[dict-item]
        lambda v: v[key_field] == key,
    )


def branch_page(member: Member, unit_id: str | None, cursor: str | None) -> dict[str, Any]:
    """A branch's approved posts, newest first (default: her own branch): one Query a page."""
    caller = registry.caller_for(member)
    unit_id = unit_id or member.branch_id
    branch = _branch(unit_id) if is_unit_id(unit_id) else None
    if branch is None or not may_read_branch(caller, branch):
        raise ForbiddenError("无权查看该支部的支部家园")
    query = BranchPost.by_branch.query(
        branch.unit_id,
        scan_index_forward=False,
        limit=PAGE,
        last_evaluated_key=_cursor(cursor, "branch_key", branch.unit_id),
    )
    items = list(query)
    return {
        "branch": {"id": branch.unit_id, "name": branch.name},
        "can_post": member.branch_id == branch.unit_id,
        "can_review": is_reviewer(caller, branch),
        "items": [view(p, insider=False) for p in items],
        "next": cursors.encode(query.last_evaluated_key),
    }


def feed(member: Member, cursor: str | None) -> dict[str, Any]:
    """The approved posts of every branch under her committee, newest first: one Query a page."""
    caller = registry.caller_for(member)
    if not caller.path:
        raise ForbiddenError("无权查看支部家园")
    unit = feed_unit(caller.path, caller.path_kinds)
    query = BranchPost.by_feed.query(
        unit,
        scan_index_forward=False,
        limit=PAGE,
        last_evaluated_key=_cursor(cursor, "feed_key", unit),
    )
    items = list(query)
    return {
        "items": [view(p, insider=False) for p in items],
        "next": cursors.encode(query.last_evaluated_key),
    }


def mine(member: Member, cursor: str | None) -> dict[str, Any]:
    """Her own posts in every state, newest first, with the reasons of refusals."""
    last = None
    if cursor:
        last = cursors.decode(
            cursor,
            {"post_id": POST_ID.fullmatch, "author": lambda v: v == member.member_no,
             "created_sort": bool},  # type: ignore[dict-item]
        )  # fmt: skip
    query = BranchPost.by_author.query(
        member.member_no, scan_index_forward=False, limit=PAGE, last_evaluated_key=last
    )
    items = list(query)
    return {
        "items": [view(p, insider=True) for p in items],
        "next": cursors.encode(query.last_evaluated_key),
    }
