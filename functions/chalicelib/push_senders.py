"""The push channels the delivery worker sends through: a registry, channel name → sender.

The name is also the `Message` attribute that carries the channel's state for one message
(`Message.wecom`, `Message.mp`). A sender knows whether the stage has its channel, a member's
address on it, and how to send one message (a text card) to up to `max_recipients` addresses in
one call; whether it carries a kind of message at all (`unsupported`), and how long after a send
whose outcome is unknown (a worker killed mid-send, an answer lost) it may safely be sent again
(`resend_window`: the channel's own duplicate check). Two channels: 企业微信 application messages
(`WeComSender`) and the Official Account's template messages (`MpSender`).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from . import mp_client, mp_templates
from .models import Member, SignInBinding
from .models.signin import member_binding_key
from .mp_client import MpClient
from .settings import SettingsError, get_settings, wecom_secret_configured
from .wecom_client import WeComClient, WeComError, WeComUnreachableError

SEND_PATH = "/cgi-bin/message/send"
# WeCom's duplicate check (document/path/90236): with enable_duplicate_check 1, the same content
# is not received twice by one member within the interval (default 1800 s, at most 14400 s).
# The worker resends a message whose first send may have gone through only within this window.
DUPLICATE_INTERVAL = 14400
# Errors that no retry can mend: the recipients (81013: none of them valid; 40031: the list) or
# the card itself (40008 type, 44004 empty, 45002 too long, 40058 a bad field). Anything else
# (-1 busy, 45009/45033 frequency, a timeout, a token still refused) is retried with backoff.
PERMANENT = frozenset({81013, 40031, 40008, 44004, 45002, 40058})
# Where a message without a page of its own links to: the 消息 centre (content/pages/messages.md).
INBOX_PATH = "/messages.html"


@dataclass(frozen=True)
class Card:
    """One message as pushed: a text card linking back to the site."""

    title: str
    description: str
    url: str  # absolute
    # What the Official Account's templates also use: the kind (its template, its label), when
    # it was posted, and the event (the key of its duplicate check).
    kind: str = ""
    created: float = 0.0
    event_key: str = ""


@dataclass
class Outcome:
    """What became of one send. `invalid`: addresses refused for good (the others received it),
    or on an `error` nobody received it: `permanent` errors are not retried, and `unknown` says
    the message may have been delivered all the same (a timeout: the answer was lost). `each`:
    a sender that calls once per address answers per address (the others: one for all)."""

    invalid: set[str] = field(default_factory=set)
    error: str | None = None
    permanent: bool = False
    unknown: bool = False
    each: dict[str, Outcome] | None = None

    def of(self, address: str) -> Outcome:
        """The outcome for one address."""
        if self.each is not None and address in self.each:
            return self.each[address]
        return self


class Sender(Protocol):
    name: str
    max_recipients: int
    resend_window: int  # seconds after a send began in which repeating it delivers nothing twice

    def configured(self) -> bool: ...

    def unsupported(self, kind: str) -> str | None:
        """Why this channel does not carry messages of `kind` (None: it does)."""
        ...

    def addresses(self, members: list[Member]) -> dict[str, str]:
        """Member number → her address on this channel, for those of `members` that have one."""
        ...

    def send(self, card: Card, addresses: list[str]) -> Outcome:
        """One call. The request must follow from `card`, `addresses` (in the order given) and
        the channel's fixed settings alone: a resend after an unknown outcome passes the stored
        card and addresses again and must make the identical request (delivery.py)."""
        ...


BATCH = 100  # keys per BatchGetItem


def wecom_userids(members: list[Member]) -> dict[str, str]:
    """Member number → WeCom userid, for the members that have one: her ERP number where the
    organisation uses it as the userid (`WECOM_USERID_FIELD=member_no`), else the userid bound
    at her first WeCom sign-in (`wecom_userid`, the default: read in batches from the bindings;
    a member who never signed in through WeCom has none yet)."""
    settings = get_settings()
    if settings.wecom_userid_field == "member_no":
        return {m.member_no: m.member_no for m in members}
    keys = [member_binding_key("wecom", settings.wecom_corp_id, m.member_no) for m in members]
    out: dict[str, str] = {}
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        out.update((b.member_no, b.subject) for b in SignInBinding.batch_get(chunk))
    return out


class WeComSender:
    """企业微信 application messages (发送应用消息, msgtype textcard)."""

    name = "wecom"
    max_recipients = 1000  # touser: at most 1000 userids a call
    # A margin inside the duplicate-check interval.
    resend_window = DUPLICATE_INTERVAL - 600

    def __init__(self, client: WeComClient | None = None) -> None:
        self._client = client

    def configured(self) -> bool:
        s = get_settings()
        return bool(s.wecom_corp_id and s.wecom_agent_id and wecom_secret_configured())

    def unsupported(self, kind: str) -> str | None:
        return None

    def addresses(self, members: list[Member]) -> dict[str, str]:
        return {
            number: userid
            for number, userid in wecom_userids(members).items()
            if userid and "|" not in userid  # "|" separates touser
        }

    @property
    def client(self) -> WeComClient:
        if self._client is None:
            self._client = WeComClient(keep_seconds=60)  # one run's calls read it once
        return self._client

    def payload(self, card: Card, addresses: list[str]) -> dict:
        """The request: the same card to the same addresses is the same JSON, byte for byte,
        on every attempt (the duplicate check compares it, with or without touser)."""
        return {
            "touser": "|".join(addresses),
            "msgtype": "textcard",
            "agentid": int(get_settings().wecom_agent_id),
            "textcard": {
                "title": card.title,
                "description": card.description,
                "url": card.url,
                "btntxt": "详情",
            },
            "enable_duplicate_check": 1,
            "duplicate_check_interval": DUPLICATE_INTERVAL,
        }

    def send(self, card: Card, addresses: list[str]) -> Outcome:
        try:
            body = self.client.post(SEND_PATH, self.payload(card, addresses))
        except SettingsError as exc:  # the corp secret unreadable (SSM): nothing sent, retried
            return Outcome(error=f"WeCom secret: {exc}")
        except WeComUnreachableError as exc:
            return Outcome(error=str(exc), unknown=True)
        except WeComError as exc:
            return Outcome(error=str(exc), permanent=exc.errcode in PERMANENT)
        # "返回包中的userid，不区分大小写，统一转为小写": match the refused ones case-blind.
        refused = {u for u in str(body.get("invaliduser") or "").split("|") if u}
        return Outcome(invalid={a for a in addresses if a.lower() in refused})


TEMPLATE_PATH = "/cgi-bin/message/template/send"
# The template message's duplicate check (its documented `client_msg_id`, "防重入id"): "对于同一个
# openid + client_msg_id, 只发送一条消息, 10分钟有效". A send whose outcome is unknown is repeated
# only within this window (with a margin); later it is given up rather than risk a second one.
MP_DUPLICATE_SECONDS = 600
# Errors no retry mends. For the member: 43004 (she does not follow the account, "require
# subscribe"), 40003 (not an openid of this account). For every member: 40037 (the template id
# is not this account's), 47003 (a field the template does not have, or too long): the
# configuration. Anything else (-1 busy, 45009 the daily quota, a timeout, a token still
# refused) is retried with the worker's backoff.
MP_PERMANENT = frozenset({43004, 40003, 40037, 47003})
MP_CALLS_AT_ONCE = 8  # one call per openid: this many in flight


def mp_openids(members: list[Member]) -> dict[str, str]:
    """Member number → the openid she bound at her first 公众号 sign-in (read in batches); a
    member who never signed in through the Official Account has none and is skipped."""
    app_id = get_settings().wechat_mp_app_id
    keys = [member_binding_key("mp", app_id, m.member_no) for m in members]
    out: dict[str, str] = {}
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        out.update((b.member_no, b.subject) for b in SignInBinding.batch_get(chunk))
    return out


class MpSender:
    """The Official Account's (服务号) template messages (模板消息, `POST /cgi-bin/message/template/
    send`): one call per openid, the template of the message's kind (mp_templates), its link back
    to the site (the same as the WeCom card's).

    Why template messages and not 订阅通知 (`/cgi-bin/message/subscribe/bizsend`): a subscription
    notice may be sent only after the member ticked that template in the page's
    `wx-open-subscribe` button, once per message for a one-time subscription (long-term ones are
    granted to a few public-service categories only); the platform sends meeting notices and
    reminders on its own schedule to members who follow the account, which is what template
    messages are for.

    Exactly once. The template send has no content-based duplicate check like WeCom's, but it
    documents a caller's idempotency key: `client_msg_id` ("防重入id。对于同一个openid +
    client_msg_id, 只发送一条消息, 10分钟有效, 超过10分钟不保证效果"). Every send carries the
    event's digest as `client_msg_id`, the same on every attempt. The worker records `sending_at`
    before the call (delivery.py); a worker killed after the Official Account accepted the send
    leaves the row pending with `sending_at`, and the run that takes it after the lease (90 s)
    sends it again with the same `client_msg_id`: not delivered twice. The repeat happens only
    within `resend_window` (480 s, inside the 10 minutes); past it the row is marked `failed`
    ("outcome unknown"): at most once, never twice.
    """

    name = "mp"
    max_recipients = 50  # openids leased and sent together, one call each
    resend_window = MP_DUPLICATE_SECONDS - 120

    def __init__(self, client: MpClient | None = None) -> None:
        self._client = client

    def configured(self) -> bool:
        return mp_client.configured() and mp_templates.configured()

    def unsupported(self, kind: str) -> str | None:
        if mp_templates.for_kind(kind) is None:
            return "no Official Account template for this kind (WECHAT_MP_TEMPLATES)"
        return None

    def addresses(self, members: list[Member]) -> dict[str, str]:
        return {number: openid for number, openid in mp_openids(members).items() if openid}

    @property
    def client(self) -> MpClient:
        if self._client is None:
            self._client = MpClient(keep_seconds=60)  # one run's calls read it once
        return self._client

    def payload(self, card: Card, openid: str) -> dict:
        """The request: the same message is the same request on every attempt."""
        template = mp_templates.for_kind(card.kind)
        if template is None:
            raise WeComError(40037, f"no template for kind {card.kind!r}", TEMPLATE_PATH)
        data = mp_templates.render(template, card.title, card.description, card.kind, card.created)
        return {
            "touser": openid,
            "template_id": template.template_id,
            "url": card.url,
            "data": data,
            "client_msg_id": hashlib.sha256(card.event_key.encode()).hexdigest()[:32],
        }

    def send_one(self, card: Card, openid: str) -> Outcome:
        try:
            self.client.post(TEMPLATE_PATH, self.payload(card, openid))
        except WeComUnreachableError as exc:
            return Outcome(error=str(exc), unknown=True)
        except WeComError as exc:
            return Outcome(error=str(exc), permanent=exc.errcode in MP_PERMANENT)
        return Outcome()

    def send(self, card: Card, addresses: list[str]) -> Outcome:
        try:
            self.client.access_token()  # read once before the calls fan out
        except SettingsError as exc:  # the AppSecret unreadable: nothing was sent, retried
            return Outcome(error=f"Official Account secret: {exc}")
        with ThreadPoolExecutor(min(MP_CALLS_AT_ONCE, max(len(addresses), 1))) as pool:
            outcomes = list(pool.map(lambda openid: self.send_one(card, openid), addresses))
        return Outcome(each=dict(zip(addresses, outcomes, strict=True)))


SENDERS: dict[str, type] = {"wecom": WeComSender, "mp": MpSender}


def active(**senders: Sender) -> dict[str, Sender]:
    """The senders this stage has configured (`senders` replaces the default of a channel)."""
    out: dict[str, Sender] = {}
    for name, cls in SENDERS.items():
        sender = senders.get(name) or cls()
        if sender.configured():
            out[name] = sender
    return out


def site_url(path: str | None, event_key: str) -> str:
    """The card's link: the site's first origin and the message's page (else the 消息 centre),
    with the event's digest so that two events with the same text are not taken by WeCom for
    one (its duplicate check may compare the content without the recipients)."""
    origins = get_settings().site_origins
    if not origins:
        raise WeComError(-1, "SITE_ORIGINS is not set: a text card needs the site's address", "")
    path = path or INBOX_PATH
    digest = hashlib.sha256(event_key.encode()).hexdigest()[:12]
    joiner = "&" if urlsplit(path).query else "?"
    return f"{origins[0]}{path}{joiner}msg={digest}"
