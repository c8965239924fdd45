"""The WeCom sender's pure parts: whose userid, the card's link, the request it sends."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest

from chalicelib import push_senders
from chalicelib.push_senders import Card, WeComSender, site_url, wecom_userids


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch):
    from chalicelib import settings as module

    def change(**kw: object) -> None:
        monkeypatch.setattr(module, "_settings", replace(module.get_settings(), **kw))

    return change


def test_where_the_organisation_uses_member_numbers_they_are_the_userids(settings) -> None:
    settings(wecom_userid_field="member_no")
    members = [SimpleNamespace(member_no="10001"), SimpleNamespace(member_no="10002")]
    assert wecom_userids(members) == {"10001": "10001", "10002": "10002"}


def test_the_link_is_absolute_and_names_the_event(settings) -> None:
    settings(site_origins=("https://dj.example.org",))
    a = site_url("/me/", "meeting:1:notice")
    assert a.startswith("https://dj.example.org/me/?msg=") and len(a.split("=")[1]) == 12
    assert site_url("/me/", "meeting:2:notice") != a
    assert "?x=1&msg=" in site_url("/a.html?x=1", "e")
    assert site_url(None, "e").startswith("https://dj.example.org/messages.html?msg=")


def test_no_site_origin_is_an_error_not_a_broken_card(settings) -> None:
    settings(site_origins=())
    with pytest.raises(push_senders.WeComError):
        site_url("/me/", "e")


def test_every_send_asks_for_the_duplicate_check_at_its_longest(settings) -> None:
    settings(wecom_agent_id="1000002")
    body = WeComSender().payload(Card("标题", "正文", "https://x/"), ["a", "b"])
    assert body["touser"] == "a|b" and body["agentid"] == 1000002
    assert body["enable_duplicate_check"] == 1
    assert body["duplicate_check_interval"] == 14400  # WeCom's maximum
    assert body["textcard"]["btntxt"] == "详情"


def test_an_unknown_userid_field_is_a_settings_error(settings) -> None:
    from chalicelib.settings import SettingsError

    with pytest.raises(SettingsError):  # at start-up, not at the first push
        settings(wecom_userid_field="phone")


def test_no_push_is_owed_without_the_wecom_application(settings) -> None:
    """Corp id and secret serve sign-in and sharing; pushing needs the application (agent) id."""
    from chalicelib import outbox

    settings(wecom_corp_id="ww0123", wecom_agent_id="1000002")
    assert outbox.push_channels() == ("wecom",)
    assert "wecom" in push_senders.active()
    settings(wecom_agent_id="")
    assert outbox.push_channels() == ()
    assert push_senders.active() == {}
