"""The Official Account's template of each kind of message (WECHAT_MP_TEMPLATES) and the request
the sender makes of it: which template, which fields, values cut to the field's documented
length, the same request on every attempt (its idempotency key), and configuration mistakes
named at the first use rather than as a refused send."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from chalicelib import mp_templates
from chalicelib.push_senders import Card, MpSender
from chalicelib.settings import SettingsError

APRIL_FIRST_UTC = datetime(2027, 4, 1, tzinfo=UTC).timestamp()
GENERIC = {"template_id": "T-generic", "data": {"thing1": "title", "time2": "time"}}


@pytest.fixture
def templates(monkeypatch: pytest.MonkeyPatch):
    from chalicelib import settings as module

    def change(spec: object) -> None:
        raw = spec if isinstance(spec, str) else json.dumps(spec)
        monkeypatch.setattr(
            module, "_settings", replace(module.get_settings(), wechat_mp_templates=raw)
        )

    return change


def test_a_kind_takes_its_own_template_else_the_default(templates) -> None:
    templates(
        {"*": GENERIC, "dues_reminder": {"template_id": "T-dues", "data": {"thing1": "body"}}}
    )
    assert mp_templates.for_kind("dues_reminder").template_id == "T-dues"
    assert mp_templates.for_kind("meeting_notice").template_id == "T-generic"


def test_a_kind_set_to_null_has_none_and_is_unsupported(templates) -> None:
    templates({"*": GENERIC, "political_birthday": None})
    sender = MpSender()
    assert sender.unsupported("political_birthday")
    assert sender.unsupported("meeting_notice") is None
    templates({"meeting_notice": GENERIC})
    assert sender.unsupported("dues_reminder")  # no "*": only the kinds named
    templates("")
    assert not mp_templates.configured()


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("{not json", "not valid JSON"),
        ([1], "JSON object"),
        ({"no_such_kind": GENERIC}, "'no_such_kind'"),
        ({"*": {"data": {"thing1": "title"}}}, "template_id"),
        ({"*": {"template_id": "T", "data": {}}}, "data"),
        ({"*": {"template_id": "T", "data": {"thing1": "author"}}}, "author"),
    ],
)
def test_configuration_mistakes_are_named(templates, spec, named: str) -> None:
    templates(spec)
    with pytest.raises(SettingsError, match=named.replace("{", r"\{")):
        mp_templates.templates()


def test_the_request_is_the_same_on_every_attempt_and_fits_the_fields(templates) -> None:
    templates({"*": {"template_id": "T", "data": {"thing1": "title", "thing2": "kind",
               "time3": "time", "keyword4": "body", "phrase5": "kind"}}})  # fmt: skip
    title = "关于召开二〇二七年第一季度支部委员会扩大会议的通知"
    card = Card(title, "正文" * 100, "https://dj.example.org/me/?msg=ab", "meeting_notice",
                APRIL_FIRST_UTC, "meeting:7:notice")  # fmt: skip
    first = MpSender().payload(card, "o" + "x" * 27)
    assert first == MpSender().payload(card, "o" + "x" * 27)
    assert first["touser"] == "o" + "x" * 27 and first["template_id"] == "T"
    assert first["url"] == card.url
    data = first["data"]
    assert len(data["thing1"]["value"]) == 20 and data["thing1"]["value"].endswith("…")
    assert data["thing2"]["value"] == "会议通知"
    assert data["time3"]["value"] == "2027年4月1日 08:00"  # Beijing time
    assert data["keyword4"]["value"] == "正文" * 100  # old-style fields are not cut
    assert data["phrase5"]["value"] == "会议通知"
    # The idempotency key names the event: another event, another key; the same for every
    # member of one event (the Official Account keys it by openid + client_msg_id).
    other = MpSender().payload(replace(card, event_key="meeting:8:notice"), "o" + "x" * 27)
    assert other["client_msg_id"] != first["client_msg_id"]
    assert len(first["client_msg_id"]) == 32


def test_a_malformed_setting_turns_the_channel_off_not_the_outbox(templates, caplog) -> None:
    """outbox.post asks push_channels() on every post: a typo in WECHAT_MP_TEMPLATES must not
    keep messages from the 消息 centre; it is logged and the channel is off."""
    from chalicelib import outbox

    templates({"*": {"template_id": "T", "data": {"thing1": "titel"}}})
    assert not mp_templates.configured() and not MpSender().configured()
    assert "mp" not in outbox.push_channels()
    assert "titel" in caplog.text
