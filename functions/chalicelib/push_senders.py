"""The push channels the delivery worker sends through: a registry, channel name → sender.

The name is also the `Message` attribute that carries the channel's state for one message
(`Message.wecom`, `Message.mp`). A sender knows whether the stage has its channel, a member's
address on it, and how to send one message (a text card) to up to `max_recipients` addresses in
one call. Adding the Official Account's template messages is one more class here and one line in
`SENDERS` (its `mp` state is already in the model); it is not built yet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from .models import Member, SignInBinding
from .models.signin import member_binding_key
from .settings import get_settings, wecom_secret_configured
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


@dataclass
class Outcome:
    """What became of one send. `invalid`: addresses refused for good (the others received it),
    or on an `error` nobody received it: `permanent` errors are not retried, and `unknown` says
    the message may have been delivered all the same (a timeout: the answer was lost)."""

    invalid: set[str] = field(default_factory=set)
    error: str | None = None
    permanent: bool = False
    unknown: bool = False


class Sender(Protocol):
    name: str
    max_recipients: int

    def configured(self) -> bool: ...

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

    def __init__(self, client: WeComClient | None = None) -> None:
        self._client = client

    def configured(self) -> bool:
        s = get_settings()
        return bool(s.wecom_corp_id and s.wecom_agent_id and wecom_secret_configured())

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
        except WeComUnreachableError as exc:
            return Outcome(error=str(exc), unknown=True)
        except WeComError as exc:
            return Outcome(error=str(exc), permanent=exc.errcode in PERMANENT)
        # "返回包中的userid，不区分大小写，统一转为小写": match the refused ones case-blind.
        refused = {u for u in str(body.get("invaliduser") or "").split("|") if u}
        return Outcome(invalid={a for a in addresses if a.lower() in refused})


SENDERS: dict[str, type] = {"wecom": WeComSender}


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
