"""诉求 (requests and suggestions): a member raises one, it is routed to the responsible unit,
that unit's staff handle it step by step, and she rates the answer.

Steps: 提交 (submit) → 受理 (accept) → optionally 移交 (transfer to another unit of the
organisation, with a reason: the new unit must accept it again) → 办理 (handle) → 办结 (close,
with an answer; allowed straight after 受理: "能答复解释的立即答复解释") → 反馈评价 (she rates it
once: 满意 / 基本满意 / 不满意, with an optional short comment). She may withdraw it before it is
accepted. Every step is kept on the request (who, when, note) and shown on its timeline.

Routing and limits come from service_request_rules.toml (service_request_rules.py): the
category's level relative to her branch gives the unit; the limits of 受理 and 办理 (hours) are
copied onto the request. A step is overdue once its limit has passed (`due_at`).

Who (through `scope.py`):
- the submitter sees only her own requests (and the published anonymised answered ones);
- handling staff: a role that applies AT the unit the request is routed to now
  (`scope.role_unit(caller, role) == unit_id`); only they act on it (never on their own);
- staff above that unit (`scope.unit_access` read over its path) see it for supervision and
  cannot act; anyone else gets the same 403 as for an unknown id;
- an anonymous request shows her name and number to the handling staff only — never to
  superiors, other units or the public list.

Exactness: one item per request (models/service_requests.py), so every step is ONE
conditional write — on the state the step leaves and on `version` (raised by each step): of two
staff acting at once exactly one wins, the other gets 409. A submission's id is derived from the
member and the page's `request_key`, so a phone's retry finds the request it made.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from pynamodb.exceptions import PutError, UpdateError

from . import clock, cursors, outbox, registry, scope, text_chars, uploads
from .errors import BadRequestError, ConflictError, ForbiddenError, NotFoundError
from .identifiers import is_client_key, is_unit_id
from .models import Member, OrgUnit
from .models.base import condition_failed
from .models.service_requests import PhotoFile, RequestStep, ServiceRequest
from .org import ROLES
from .scope import Caller
from .service_request_rules import Category, route_unit, rules

TEXT_MIN, TEXT_MAX = 5, 1000
ANSWER_MIN, ANSWER_MAX = 2, 1000
NOTE_MAX = 200
COMMENT_MAX = 100
PHOTOS_MAX = 6
UPLOAD_PREFIX = "requests"
LISTED = 50
NOT_FOUND = "诉求不存在或您无权查看"
CHANGED = "该诉求刚刚已被他人办理或已发生变化，请刷新后查看"
OWN = "不能办理本人提出的诉求"
TOO_MANY_TRANSFERS = "移交次数已达上限，请办结或报上级党组织协调"
TOO_LONG = "该诉求的办理记录已达上限，请办结或报上级党组织协调"
# Every step is kept on the request's one item: transfers are capped (the rules file), so the
# timeline is at most ~3 steps per transfer plus 5; this is the backstop of that bound.
STEPS_MAX = 80
NOT_HANDLER = "只有诉求当前所在单位的党务工作人员可以办理；上级党组织可查看、督办"
ANONYMOUS_NAME = "匿名党员"
STATE_LABELS = {
    "waiting": "待受理",
    "accepted": "已受理",
    "handling": "办理中",
    "closed": "已办结",
    "withdrawn": "已撤回",
}
ACT_LABELS = {
    "submit": "提交",
    "accept": "受理",
    "transfer": "移交",
    "handle": "办理",
    "close": "办结",
    "rate": "反馈评价",
    "withdraw": "撤回",
}
RATINGS = {"satisfied": "满意", "basic": "基本满意", "unsatisfied": "不满意"}
# The staff acts, from which states each may be taken.
STAFF_ACTS: dict[str, tuple[str, ...]] = {
    "accept": ("waiting",),
    "transfer": ("accepted", "handling"),
    "handle": ("accepted",),
    "close": ("accepted", "handling"),
}
OPEN = ("waiting", "accepted", "handling")


# --- input ------------------------------------------------------------------------------------


_UNPRINTED = ("Cc", "Cs", "Co", "Cn", "Zl", "Zp")


def _invisible(ch: str) -> bool:
    """Control, unassigned, private, surrogate, format (Cf), line/paragraph separator or filler
    characters; LF allowed. (The emoji joiner U+200D is Cf: an emoji around it is refused
    first, with the emoji message.)"""
    if ch == "\n":
        return False
    return text_chars.is_invisible(ch) or unicodedata.category(ch) in _UNPRINTED


def clean_text(value: Any, label: str, low: int, high: int, *, required: bool = True) -> str | None:
    """Plain text: LF line ends, no surrounding blanks, no control characters nor emoji,
    `low`–`high` characters; a clear Chinese message otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequestError(f"请填写{label}")
        return None
    if not isinstance(value, str):
        raise BadRequestError(f"{label}须为文字")
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(text_chars.is_emoji(c) and c != "\u200d" for c in text):
        raise BadRequestError(f"{label}不能包含表情符号，请用文字表述")
    if any(_invisible(c) for c in text):
        raise BadRequestError(f"{label}含有无效字符（控制字符、不可见字符或改变文字方向的字符）")
    if not len(text) <= high:
        raise BadRequestError(f"{label}须为 {low}–{high} 字（现在 {len(text)} 字）")
    # The minimum counts what a reader sees: blanks inside do not make a text long enough.
    seen = sum(1 for c in text if not c.isspace())
    if seen < low:
        raise BadRequestError(f"{label}须为 {low}–{high} 字（现在 {seen} 个可见字）")
    return text


def _version(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**6:
        raise BadRequestError("版本号（version）须为正整数")
    return value


# --- who --------------------------------------------------------------------------------------


def handled_units(caller: Caller) -> list[str]:
    """The units where the caller's roles apply (where she handles requests)."""
    units = (scope.role_unit(caller, key) for key in caller.roles if key in ROLES)
    return list(dict.fromkeys(u for u in units if u))


def relation(caller: Caller, r: ServiceRequest) -> str:
    """ "handler", "owner", "supervisor" or "none" (handler first: a handler reads everything
    a handler reads, even on her own request, but may not act on her own)."""
    if r.unit_id in handled_units(caller):
        return "handler"
    if r.member_no == caller.member_no:
        return "owner"
    if scope.unit_access(caller, list(r.unit_path)) != "none":
        return "supervisor"
    if scope.unit_access(caller, list(r.origin_path)) != "none":
        return "supervisor"  # routed away from a unit she oversees: still hers to follow
    return "none"


def load(request_id: Any, *, consistent: bool = False) -> ServiceRequest:
    """The request, or the one 403 for unknown ids and ids out of scope alike."""
    if not isinstance(request_id, str) or not request_id.startswith("sr_"):
        raise ForbiddenError(NOT_FOUND)
    if not is_client_key(request_id[3:]):
        raise ForbiddenError(NOT_FOUND)
    try:
        return ServiceRequest.get(request_id, consistent_read=consistent)
    except ServiceRequest.DoesNotExist:
        raise ForbiddenError(NOT_FOUND) from None


def visible(
    caller: Caller, request_id: Any, *, consistent: bool = False
) -> tuple[ServiceRequest, str]:
    r = load(request_id, consistent=consistent)
    rel = relation(caller, r)
    if rel == "none":
        raise ForbiddenError(NOT_FOUND)
    return r, rel


# --- time limits ------------------------------------------------------------------------------


def current_step(r: ServiceRequest) -> str | None:
    """The step the request waits for now: 受理 or 办理 (None once ended)."""
    if r.state == "waiting":
        return "受理"
    if r.state in ("accepted", "handling"):
        return "办理"
    return None


def step_hours(r: ServiceRequest) -> int:
    return int(r.accept_hours if r.state == "waiting" else r.handle_hours)


def is_overdue(r: ServiceRequest, now: float | None = None) -> bool:
    return r.state in OPEN and r.due_at is not None and (now or clock.now()) > float(r.due_at)


def _due_sort(due: float, request_id: str) -> str:
    return f"{int(due * 1000):013d}#{request_id}"


# --- views ------------------------------------------------------------------------------------


def _shows_submitter(r: ServiceRequest, rel: str) -> bool:
    return rel in ("owner", "handler") or not r.anonymous


def view(r: ServiceRequest, rel: str, caller: Caller | None = None) -> dict[str, Any]:
    named = _shows_submitter(r, rel)
    category = rules().categories.get(r.category)
    may: list[str] = []
    if caller is not None:
        may = allowed(caller, r, rel)
    steps = []
    for s in r.steps or []:
        hidden = not named and s.by == r.member_no
        steps.append(
            {
                "act": s.act,
                "label": ACT_LABELS.get(s.act, s.act),
                "by_name": ANONYMOUS_NAME if hidden else s.by_name,
                "time": int(s.at),
                "note": s.note,
                "unit_name": s.unit_name,
            }
        )
    now = clock.now()
    return {
        "id": r.request_id,
        "version": int(r.version),
        "category": r.category,
        "category_label": category.label if category else r.category,
        "text": r.text,
        "anonymous": bool(r.anonymous),
        "member_no": r.member_no if named else None,
        "member_name": r.member_name if named else ANONYMOUS_NAME,
        "state": r.state,
        "state_label": STATE_LABELS.get(r.state, r.state),
        "unit": {"id": r.unit_id, "name": r.unit_name},
        "submitted_at": int(r.submitted_at),
        "step": current_step(r),
        "due_at": int(r.due_at) if r.due_at and r.state in OPEN else None,
        "limit_hours": step_hours(r) if r.state in OPEN else None,
        "overdue": is_overdue(r, now),
        "transfers": int(r.transfers or 0),
        "answer": r.answer,
        "closed_at": int(r.closed_at) if r.closed_at else None,
        "rating": r.rating,
        "rating_label": RATINGS.get(r.rating or ""),
        "rating_note": r.rating_note,
        "photos": [
            {"url": uploads.signed_get(p.key), "content_type": p.content_type}
            for p in r.photos or []
        ],
        "steps": steps,
        "relation": rel,
        "may": may,
    }


def allowed(caller: Caller, r: ServiceRequest, rel: str) -> list[str]:
    """What the caller may do now (the page's buttons). Her own request: the submitter's
    actions, even where she also handles its unit (she never acts on it as staff)."""
    if r.member_no == caller.member_no:
        if r.state == "waiting" and not r.accepted_at:
            return ["withdraw"]
        if r.state == "closed" and not r.rating:
            return ["rate"]
        return []
    if rel != "handler" or r.member_no == caller.member_no:
        return []
    acts = [act for act, states in STAFF_ACTS.items() if r.state in states]
    if int(r.transfers or 0) >= rules().max_transfers:
        acts = [act for act in acts if act != "transfer"]
    return acts


def detail(caller: Caller, request_id: str) -> dict[str, Any]:
    r, rel = visible(caller, request_id)
    return view(r, rel, caller)


def mine(caller: Caller, cursor: str | None = None) -> dict[str, Any]:
    """Her own requests, newest first, LISTED a page; `next` opens the following page (one
    Query each), so every request — one still to rate among them — stays reachable."""
    last = None
    if cursor:
        last = cursors.decode(
            cursor,
            {"request_id": lambda v: v.startswith("sr_") and is_client_key(v[3:]),
             "member_no": lambda v: v == caller.member_no, "sort": bool},  # type: ignore[dict-item]
        )  # fmt: skip
    query = ServiceRequest.by_member.query(
        caller.member_no, scan_index_forward=False, limit=LISTED, last_evaluated_key=last
    )
    rows = list(query)
    return {
        "requests": [view(r, "owner", caller) for r in rows],
        "next": cursors.encode(query.last_evaluated_key),
    }


def categories() -> dict[str, Any]:
    found = rules()
    return {
        "categories": [
            {
                "key": c.key,
                "label": c.label,
                "accept_hours": c.accept_hours,
                "handle_hours": c.handle_hours,
            }
            for c in found.categories.values()
        ],
        "photos_max": PHOTOS_MAX,
        "text_max": TEXT_MAX,
        "publish_answered": found.publish_answered,
    }


def queue(caller: Caller, unit_id: str) -> dict[str, Any]:
    """A unit's open requests, most urgent first: its handlers act, staff above read."""
    unit = _unit_in_scope(caller, unit_id)
    handles = unit.unit_id in handled_units(caller)
    rel = "handler" if handles else "supervisor"
    rows = [view(r, rel, caller) for r in ServiceRequest.queue.query(unit.unit_id)]
    return {
        "unit": {"id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        "handles": handles,
        "overdue": sum(1 for row in rows if row["overdue"]),
        "requests": rows,
    }


def desk(caller: Caller) -> dict[str, Any]:
    """The units where she handles requests, each with its queue, and the organisation's units
    (where a request may be transferred to) when she handles any."""
    units = handled_units(caller)
    targets = []
    if units and caller.path:
        root = registry.get_unit(caller.path[0])
        targets = [{"id": u.unit_id, "name": u.name} for u in subtree(root)]
    return {"queues": [queue(caller, u) for u in units], "targets": targets}


def subtree(unit: OrgUnit) -> list[OrgUnit]:
    """The unit and every unit below it, in tree order (one Query per unit with children)."""
    out: list[OrgUnit] = []
    todo = [unit]
    while todo:
        current = todo.pop(0)
        out.append(current)
        if current.kind != "branch":
            children = sorted(
                OrgUnit.children.query(current.unit_id),
                key=lambda u: (int(u.sort_order or 0), u.unit_id),
            )
            todo = children + todo
    return out


def _unit_in_scope(caller: Caller, unit_id: Any) -> OrgUnit:
    """A unit the caller handles or oversees; unknown ids answer like units out of scope."""
    unit = None
    if is_unit_id(unit_id):
        try:
            unit = OrgUnit.get(unit_id)
        except OrgUnit.DoesNotExist:
            unit = None
    if unit is None or (
        unit.unit_id not in handled_units(caller)
        and scope.unit_access(caller, list(unit.path)) == "none"
    ):
        raise ForbiddenError("该组织不存在或不在您的管理范围内")
    return unit


def answered(caller: Caller) -> dict[str, Any]:
    """诉求公开: the organisation's answered requests, anonymised (no name, no number, no
    photos), when the rules publish them."""
    if not rules().publish_answered or not caller.path:
        return {"enabled": False, "requests": []}
    out = []
    for r in ServiceRequest.answered.query(caller.path[0], scan_index_forward=False, limit=20):
        category = rules().categories.get(r.category)
        out.append(
            {
                "category_label": category.label if category else r.category,
                "text": r.text,
                "answer": r.answer,
                "unit_name": r.unit_name,
                "closed_at": int(r.closed_at or 0),
            }
        )
    return {"enabled": True, "requests": out}


# --- submitting -------------------------------------------------------------------------------


def request_id(member_no: str, request_key: Any) -> str:
    if not is_client_key(request_key):
        raise BadRequestError("请求编号（request_key）格式不正确")
    digest = hashlib.sha256(f"{member_no}#{request_key}".encode()).hexdigest()
    return "sr_" + digest[:24]


def upload_prefix(member_no: str) -> str:
    """Her own uploads' folder: nobody attaches another member's photo."""
    return f"{UPLOAD_PREFIX}/{member_no}"


def start_upload(caller: Caller, content_type: Any, size: Any) -> dict[str, Any]:
    if not isinstance(content_type, str) or isinstance(size, bool) or not isinstance(size, int):
        raise BadRequestError("请提供照片的类型和大小")
    return uploads.presign(
        upload_prefix(caller.member_no), uploads.KINDS["photo"], content_type, size
    )


def _photos(member_no: str, keys: Any) -> list[PhotoFile]:
    if keys is None:
        return []
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise BadRequestError("照片须为文件标识的列表")
    if len(keys) > PHOTOS_MAX:
        raise BadRequestError(f"最多上传 {PHOTOS_MAX} 张照片")
    if len(set(keys)) != len(keys):
        raise BadRequestError("同一张照片不能重复添加")
    prefix = upload_prefix(member_no)
    for key in keys:
        if not uploads.is_upload_key(key, prefix):
            raise BadRequestError("照片标识不正确，请重新上传")
    kind = uploads.KINDS["photo"]
    # All checked before any is kept (a refusal keeps nothing); each kept under a fresh name
    # without her number ("requests/<random>"): an anonymous request's link says nothing of her.
    checked = [uploads.verify(key, prefix, kind) for key in keys]
    return [
        PhotoFile(key=uploads.keep(c), content_type=c.content_type, size=c.size) for c in checked
    ]


def _category(value: Any) -> Category:
    found = rules().categories.get(value) if isinstance(value, str) else None
    if found is None:
        raise BadRequestError("请选择诉求类别（类别不存在）")
    return found


def submit(caller: Caller, member: Member, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """A new request, routed by its category; a retry with the same key answers the first."""
    rid = request_id(member.member_no, body.get("request_key"))
    category = _category(body.get("category"))
    text = clean_text(body.get("text"), "诉求内容", TEXT_MIN, TEXT_MAX) or ""
    anonymous = body.get("anonymous", False)
    if not isinstance(anonymous, bool):
        raise BadRequestError("是否匿名须为 true 或 false")
    existing = _existing(rid)
    if existing is not None:
        return view(existing, "owner", caller), False
    if not member.active or not caller.path:
        raise ForbiddenError("只有在册党员可以提出诉求")
    try:
        photos = _photos(member.member_no, body.get("photos"))
    except NotFoundError:
        twin = _existing(rid)  # a parallel twin made it and removed the uploads
        if twin is None:
            raise
        return view(twin, "owner", caller), False
    unit_id = route_unit(category.route, caller.path, caller.path_kinds)
    unit = registry.get_unit(unit_id)
    now = clock.now()
    due = now + category.accept_hours * 3600
    r = ServiceRequest(
        rid,
        member_no=member.member_no,
        member_name=member.name,
        branch_id=member.branch_id,
        anonymous=anonymous,
        category=category.key,
        text=text,
        photos=photos,
        state="waiting",
        version=1,
        org=caller.path[0],
        unit_id=unit.unit_id,
        unit_path=list(unit.path),
        unit_name=unit.name,
        origin_unit=unit.unit_id,
        origin_path=list(unit.path),
        accept_hours=category.accept_hours,
        handle_hours=category.handle_hours,
        submitted_at=now,
        step_at=now,
        due_at=due,
        transfers=0,
        steps=[_step("submit", member.member_no, member.name, now, None, unit)],
        sort=f"{int(now * 1000):013d}#{rid}",
        open_unit=unit.unit_id,
        due_sort=_due_sort(due, rid),
    )
    try:
        r.save(condition=ServiceRequest.request_id.does_not_exist())
    except PutError as exc:
        if not condition_failed(exc):
            raise
        again = _existing(rid)
        if again is None:
            raise
        for p in photos:  # this request's copies: the twin's write names its own
            uploads.discard(p.key)
        return view(again, "owner", caller), False
    for key in body.get("photos") or []:  # kept now: the uploads go (a reused form keeps nothing)
        uploads.discard(key)
    return view(r, "owner", caller), True


def _existing(rid: str) -> ServiceRequest | None:
    try:
        return ServiceRequest.get(rid, consistent_read=True)
    except ServiceRequest.DoesNotExist:
        return None


def _step(
    act: str, by: str, name: str | None, at: float, note: str | None, unit: Any = None
) -> RequestStep:
    return RequestStep(
        act=act,
        by=by,
        by_name=name,
        at=at,
        note=note,
        unit_id=getattr(unit, "unit_id", None),
        unit_name=getattr(unit, "name", None),
    )


# --- the steps --------------------------------------------------------------------------------


def _write(r: ServiceRequest, states: tuple[str, ...], actions: list[Any], step: RequestStep,
           condition: Any = None) -> bool:  # fmt: skip
    """One conditional write: the request still in one of `states` at the version read."""
    cond = ServiceRequest.state.is_in(*states) & (ServiceRequest.version == r.version)
    if condition is not None:
        cond = cond & condition
    try:
        r.update(
            actions=[
                *actions,
                ServiceRequest.version.add(1),
                ServiceRequest.steps.set(ServiceRequest.steps.append([step])),
            ],
            condition=cond,
        )
    except UpdateError as exc:
        if _too_large(exc):
            raise ConflictError(TOO_LONG) from None  # the backstop: never a 500 ever after
        if not condition_failed(exc):
            raise
        return False
    return True


def _too_large(exc: Exception) -> bool:
    """DynamoDB refused the write because the item would pass its 400 KB limit."""
    code = getattr(exc, "cause_response_code", None)
    message = getattr(exc, "cause_response_message", None) or ""
    return code == "ValidationException" and "size" in message.lower()


def _retried(
    r: ServiceRequest, act: str, who: str, note: str | None, to_unit: str | None = None
) -> bool:
    """The last step is this very act by this person with the same note (the answer of 办结)
    and, for 移交, the same receiving unit: a retry of a step that went through. A step that
    differs in any of them is another step, not a retry."""
    last = (r.steps or [])[-1] if r.steps else None
    return (
        last is not None
        and last.act == act
        and last.by == who
        and (last.note or None) == (note or None)
        and (to_unit is None or last.unit_id == to_unit)
    )


def _held_by(r: ServiceRequest, version: int | None) -> set[str]:
    """The unit(s) that had the request in hand at `version` (every step raises it by one from
    1 at submission), or every unit that ever had it when no version was sent."""
    held = [(1, r.origin_unit)]
    for n, s in enumerate(r.steps or [], start=1):
        if s.act == "transfer" and s.unit_id:
            held.append((n + 1, s.unit_id))
    if version is None:
        return {unit for _, unit in held}
    at = [unit for since, unit in held if since <= version]
    return {at[-1]} if at else set()


def act(caller: Caller, staff: Member, request_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A staff step: accept, transfer (to_unit, reason), handle (note), close (answer)."""
    name = body.get("act")
    if name not in STAFF_ACTS:
        raise BadRequestError(
            "办理操作须为受理、移交、办理或办结（accept、transfer、handle、close）"
        )
    version = _version(body.get("version"))
    note = clean_text(body.get("note"), "说明", 1, NOTE_MAX, required=name == "transfer")
    answer = None
    if name == "close":
        answer = clean_text(body.get("answer"), "答复内容", ANSWER_MIN, ANSWER_MAX)
    elif body.get("answer") is not None:
        raise BadRequestError("只有办结时填写答复内容")
    if name != "transfer" and body.get("to_unit") is not None:
        raise BadRequestError("只有移交时选择接收单位")
    step_note = answer if name == "close" else note
    to_unit = body.get("to_unit") if name == "transfer" else None
    r = load(request_id, consistent=True)
    rel = relation(caller, r)
    if rel in ("supervisor", "none") and r.member_no != caller.member_no:
        if rel != "none" and _retried(r, name, caller.member_no, step_note, to_unit):
            return view(r, rel, caller)  # a retried 移交: the request has left her unit
        if _held_by(r, version) & set(handled_units(caller)):
            raise ConflictError(CHANGED)  # a 移交 won the race: it left her unit's hands
    if rel == "none":
        raise ForbiddenError(NOT_FOUND)
    if rel != "handler":
        raise ForbiddenError(OWN if rel == "owner" else NOT_HANDLER)
    if r.member_no == caller.member_no:
        raise ForbiddenError(OWN)
    target = _transfer_target(r, to_unit) if name == "transfer" else None
    if r.state not in STAFF_ACTS[name] or (version is not None and version != r.version):
        if _retried(r, name, caller.member_no, step_note, to_unit):
            _tell(r, name)  # a retry after a failure past the write: what followed, once
            return view(r, relation(caller, r), caller)
        raise ConflictError(_refusal(r, name))
    if name == "transfer" and int(r.transfers or 0) >= rules().max_transfers:
        raise ConflictError(TOO_MANY_TRANSFERS)
    if name != "close" and len(r.steps or []) >= STEPS_MAX:
        raise ConflictError(TOO_LONG)
    now = clock.now()
    unit = OrgUnit(r.unit_id, name=r.unit_name)
    actions: list[Any]
    if name == "accept":
        due = now + float(r.handle_hours) * 3600
        actions = [
            ServiceRequest.state.set("accepted"),
            ServiceRequest.step_at.set(now),
            ServiceRequest.due_at.set(due),
            ServiceRequest.due_sort.set(_due_sort(due, r.request_id)),
            ServiceRequest.accepted_at.set(ServiceRequest.accepted_at | now),
        ]
        if int(r.transfers or 0) > 0:
            actions.append(ServiceRequest.reaccepted_at.set(now))
    elif name == "transfer":
        assert target is not None
        due = now + float(r.accept_hours) * 3600
        unit = target
        actions = [
            ServiceRequest.state.set("waiting"),
            ServiceRequest.unit_id.set(target.unit_id),
            ServiceRequest.unit_path.set(list(target.path)),
            ServiceRequest.unit_name.set(target.name),
            ServiceRequest.open_unit.set(target.unit_id),
            ServiceRequest.step_at.set(now),
            ServiceRequest.due_at.set(due),
            ServiceRequest.due_sort.set(_due_sort(due, r.request_id)),
            ServiceRequest.transfers.add(1),
            ServiceRequest.transferred_at.set(now),
            ServiceRequest.reaccepted_at.remove(),
        ]
    elif name == "handle":
        actions = [ServiceRequest.state.set("handling")]
    else:
        actions = [
            ServiceRequest.state.set("closed"),
            ServiceRequest.answer.set(answer),
            ServiceRequest.closed_at.set(now),
            ServiceRequest.due_at.remove(),
            ServiceRequest.open_unit.remove(),
            ServiceRequest.due_sort.remove(),
        ]
        if rules().publish_answered:
            actions += [
                ServiceRequest.public_org.set(r.org),
                ServiceRequest.closed_sort.set(f"{int(now * 1000):013d}#{r.request_id}"),
            ]
    step = _step(name, staff.member_no, staff.name, now, step_note, unit)
    if not _write(r, STAFF_ACTS[name], actions, step):
        fresh = load(request_id, consistent=True)
        if _retried(fresh, name, caller.member_no, step_note, to_unit):
            _tell(fresh, name)
            return view(fresh, relation(caller, fresh), caller)
        raise ConflictError(CHANGED)
    fresh = load(request_id, consistent=True)
    _tell(fresh, name)
    return view(fresh, relation(caller, fresh), caller)


def _refusal(r: ServiceRequest, name: str) -> str:
    if r.state == "closed":
        return "该诉求已办结，不能再办理"
    if r.state == "withdrawn":
        return "该诉求已由提出人撤回"
    if name == "accept":
        return "该诉求已受理，无需重复受理"
    if r.state == "waiting":
        return "请先受理该诉求"
    return CHANGED


def _transfer_target(r: ServiceRequest, unit_id: Any) -> OrgUnit:
    """Another unit of the same organisation; unknown and foreign answer alike."""
    unit = None
    if is_unit_id(unit_id):
        try:
            unit = OrgUnit.get(unit_id)
        except OrgUnit.DoesNotExist:
            unit = None
    if unit is None or not unit.path or unit.path[0] != r.org:
        raise BadRequestError("接收单位不存在或不在本组织内")
    if unit.unit_id == r.unit_id:
        raise BadRequestError("接收单位不能是诉求当前所在的单位")
    return unit


def withdraw(
    caller: Caller, member: Member, request_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """She takes it back before it is accepted."""
    r, rel = visible(caller, request_id, consistent=True)
    if r.member_no != caller.member_no:
        raise ForbiddenError("只有提出人可以撤回诉求")
    note = clean_text(body.get("note"), "撤回原因", 1, NOTE_MAX, required=False)
    if r.state != "waiting" or r.accepted_at:
        if _retried(r, "withdraw", caller.member_no, note):
            return view(r, "owner", caller)
        if r.state == "withdrawn":
            raise ConflictError("该诉求已撤回")
        raise ConflictError("该诉求已受理，不能撤回；如不再需要，可在办结后评价时说明")
    now = clock.now()
    actions = [
        ServiceRequest.state.set("withdrawn"),
        ServiceRequest.due_at.remove(),
        ServiceRequest.open_unit.remove(),
        ServiceRequest.due_sort.remove(),
    ]
    step = _step("withdraw", member.member_no, member.name, now, note)
    if not _write(r, ("waiting",), actions, step, ServiceRequest.accepted_at.does_not_exist()):
        fresh = load(request_id, consistent=True)
        if _retried(fresh, "withdraw", caller.member_no, note):
            return view(fresh, "owner", caller)
        raise ConflictError("该诉求刚刚已被受理，不能撤回")
    return view(load(request_id, consistent=True), rel, caller)


def rate(caller: Caller, member: Member, request_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Her one rating of the answer: 满意 / 基本满意 / 不满意, with an optional comment."""
    r, _ = visible(caller, request_id, consistent=True)
    if r.member_no != caller.member_no:
        raise ForbiddenError("只有提出人可以评价")
    rating = body.get("rating")
    if rating not in RATINGS:
        raise BadRequestError("评价须为满意、基本满意或不满意（satisfied、basic、unsatisfied）")
    comment = clean_text(body.get("comment"), "评价意见", 1, COMMENT_MAX, required=False)
    if r.rating:
        raise ConflictError("您已评价过该诉求，每个诉求只能评价一次")
    if r.state != "closed":
        raise ConflictError("诉求办结后才能评价")
    now = clock.now()
    actions = [
        ServiceRequest.rating.set(rating),
        ServiceRequest.rating_note.set(comment) if comment else ServiceRequest.rating_note.remove(),
        ServiceRequest.rated_at.set(now),
    ]
    note = RATINGS[rating] + (f"：{comment}" if comment else "")
    step = _step("rate", member.member_no, member.name, now, note)
    if not _write(r, ("closed",), actions, step, ServiceRequest.rating.does_not_exist()):
        raise ConflictError("您已评价过该诉求，每个诉求只能评价一次")
    return view(load(request_id, consistent=True), "owner", caller)


# --- messages ---------------------------------------------------------------------------------


def _tell(r: ServiceRequest, name: str) -> None:
    """The member hears of 受理 and 办结 (once each: the outbox keys them by the step)."""
    if name not in ("accept", "close"):
        return
    n = len(r.steps or [])
    if name == "accept":
        title, text = "您的诉求已受理", f"{r.unit_name}已受理您的诉求，将在时限内办理答复。"
    else:
        title, text = "您的诉求已办结", f"{r.unit_name}已答复您的诉求，请查看答复并评价。"
    outbox.post(f"request_{name}#{r.request_id}#{n}", "system", [r.member_no], title, text,
                "/requests.html")  # fmt: skip


def handlers_of(staff: list[Member], units: dict[str, OrgUnit], unit_ids: set[str]) -> list[str]:
    """The staff whose roles apply at one of `unit_ids` (the reminder's recipients)."""
    out = []
    for m in staff:
        branch = units.get(m.branch_id)
        if branch is None:
            continue
        caller = Caller(m.member_no, tuple(branch.path), tuple(branch.path_kinds),
                        tuple(m.roles or ()))  # fmt: skip
        if set(handled_units(caller)) & unit_ids:
            out.append(m.member_no)
    return out
