"""Activation, login, refresh rotation, logout and password change over HTTP (local stack)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from chalicelib.models import Member, RefreshToken, SessionFamily
from tests.factories import PASSWORD, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def api(stack):
    session = requests.Session()
    session.base = f"{stack.url}/api"
    return session


def post(s: requests.Session, path: str, body: object | None = None, **kw) -> requests.Response:
    data = None if body is None else json.dumps(body)
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return s.post(s.base + path, data=data, headers=headers, timeout=30, **kw)


def me(s: requests.Session, token: str) -> requests.Response:
    return s.get(s.base + "/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def snapshot() -> list[dict]:
    return sorted((m.to_simple_dict() for m in Member.scan()), key=lambda d: d["member_no"])


def test_activate_then_me_shows_profile(api):
    make_tree()
    make_member(
        "20000001",
        "B1",
        name="李红",
        phone="13912345678",
        password=None,
        roles=("branch_secretary",),
    )
    r = post(
        api,
        "/auth/activate",
        {"member_no": "20000001", "name": "李红", "phone_last4": "5678", "password": "hongqi2026"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    cookie = r.headers["Set-Cookie"]
    assert "dj_rt=" in cookie and "HttpOnly" in cookie and "Path=/api/auth" in cookie
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    profile = me(api, body["access_token"]).json()
    assert profile["name"] == "李红"
    assert [u["name"] for u in profile["branch_path"]] == ["示范党委", "第一党总支", "第一党支部"]
    assert profile["roles"] == [
        {
            "role": "branch_secretary",
            "label": "支部书记",
            "unit": {"id": "B1", "name": "第一党支部"},
        }
    ]
    assert profile["status_label"] == "正式党员"
    # Activation set the password: login works, activating again is refused.
    assert post(api, "/auth/login", {"member_no": "20000001", "password": "hongqi2026"}).ok
    again = post(
        api,
        "/auth/activate",
        {"member_no": "20000001", "name": "李红", "phone_last4": "5678", "password": "another2026"},
    )
    assert again.status_code == 409 and "已激活" in again.json()["Message"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (
            {
                "member_no": "20000002",
                "name": "王五",
                "phone_last4": "1234",
                "password": "abcd1234",
            },
            401,
            "信息不匹配",
        ),
        (
            {
                "member_no": "20000002",
                "name": "张三",
                "phone_last4": "9999",
                "password": "abcd1234",
            },
            401,
            "信息不匹配",
        ),
        (
            {
                "member_no": "99999999",
                "name": "张三",
                "phone_last4": "1234",
                "password": "abcd1234",
            },
            401,
            "信息不匹配",
        ),
        (
            {
                "member_no": "20000002",
                "name": "张三",
                "phone_last4": "1234",
                "password": "12345678",
            },
            422,
            "不能全是数字",
        ),
        (
            {"member_no": "20000002", "name": "张三", "phone_last4": "1234", "password": "short1"},
            422,
            "至少 8 位",
        ),
    ],
)
def test_activation_refusals_change_nothing(api, body, status, words):
    make_tree()
    make_member("20000002", "B1", password=None)
    before = snapshot()
    r = post(api, "/auth/activate", body)
    assert r.status_code == status
    assert words in r.json()["Message"]
    assert snapshot() == before


def test_login_errors_are_uniform_and_clear(api):
    make_tree()
    make_member("20000003", "B1")
    wrong = post(api, "/auth/login", {"member_no": "20000003", "password": "wrong-pass"})
    unknown = post(api, "/auth/login", {"member_no": "12345678", "password": "wrong-pass"})
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()["Message"]
        == unknown.json()["Message"]
        == "党员编号或密码错误;首次使用请先激活账号"
    )
    assert "Set-Cookie" not in wrong.headers


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "words"),
    [
        (b"{not json", "application/json", 400, "不是有效的 JSON"),
        (b"", "application/json", 400, "不能为空"),
        (b"[1, 2]", "application/json", 400, "JSON 对象"),
        (json.dumps({"member_no": "20000004"}).encode(), "application/json", 400, "缺少字段:密码"),
        (
            json.dumps({"member_no": "20000004", "password": "x" * 9, "admin": True}).encode(),
            "application/json",
            400,
            "不支持的字段:admin",
        ),
        (
            json.dumps({"member_no": 20000004, "password": "abcdefgh1"}).encode(),
            "application/json",
            400,
            "须为字符串",
        ),
        (
            json.dumps({"member_no": "2", "password": "x" * 40000}).encode(),
            "application/json",
            413,
            "请求内容过大",
        ),
        (b"member_no=1&password=2", "application/x-www-form-urlencoded", 415, "JSON"),
    ],
)
def test_bad_bodies_get_clear_4xx(api, raw, content_type, status, words):
    make_tree()
    make_member("20000004", "B1")
    before = snapshot()
    r = api.post(
        api.base + "/auth/login", data=raw, headers={"Content-Type": content_type}, timeout=30
    )
    assert r.status_code == status, r.text
    assert words in r.json()["Message"]
    assert snapshot() == before


def test_five_failures_lock_the_account_for_the_window(api):
    make_tree()
    make_member("20000005", "B1")
    for _ in range(5):
        assert (
            post(
                api, "/auth/login", {"member_no": "20000005", "password": "bad-guess1"}
            ).status_code
            == 401
        )
    locked = post(api, "/auth/login", {"member_no": "20000005", "password": PASSWORD})
    assert locked.status_code == 429
    # The same account spelled with spaces is the same lock.
    spaced = post(api, "/auth/login", {"member_no": " 20000005 ", "password": PASSWORD})
    assert spaced.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert "分钟后再试" in locked.json()["Message"]
    # Another member is not affected.
    make_member("20000006", "B1")
    assert post(api, "/auth/login", {"member_no": "20000006", "password": PASSWORD}).ok


def login(api, member_no: str, password: str = PASSWORD) -> str:
    r = post(api, "/auth/login", {"member_no": member_no, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _refresh_with(api, token: str) -> requests.Response:
    return requests.post(api.base + "/auth/refresh", cookies={"dj_rt": token}, timeout=30)


def _age_use(token: str, seconds: int) -> None:
    """Pretend the token was used `seconds` ago (the grace period is measured from its use)."""
    from chalicelib import tokens

    record = RefreshToken.get(tokens.hash_refresh_token(token))
    record.update(actions=[RefreshToken.used_at.set(int(time.time()) - seconds)])


def test_refresh_rotates_and_reuse_revokes_the_family(api):
    make_tree()
    make_member("20000007", "B1")
    login(api, "20000007")
    first = api.cookies.get("dj_rt")
    r = post(api, "/auth/refresh")
    assert r.status_code == 200, r.text
    second = api.cookies.get("dj_rt")
    assert second and second != first
    assert me(api, r.json()["access_token"]).ok
    # Replaying the first (used) token after the grace period revokes the whole login,
    # the new token included.
    _age_use(first, 60)
    replay = _refresh_with(api, first)
    assert replay.status_code == 401
    assert "已被使用" in replay.json()["Message"]
    assert _refresh_with(api, second).status_code == 401
    assert [f.revoked for f in SessionFamily.scan()] == [True]


def test_a_lost_refresh_reply_does_not_sign_the_member_out(api):
    """The phone sent its token, the server rotated it, the reply never arrived: the same token
    again within the grace period gets a fresh one of the same login."""
    make_tree()
    make_member("20000012", "B1")
    login(api, "20000012")
    sent = api.cookies.get("dj_rt")
    assert _refresh_with(api, sent).ok  # this reply is "lost"
    again = _refresh_with(api, sent)
    assert again.status_code == 200, again.text
    assert me(api, again.json()["access_token"]).ok
    assert [f.revoked for f in SessionFamily.scan()] == [False]


def test_parallel_refreshes_of_one_token_both_succeed(api):
    """Two pages of the same phone refresh at once: neither is signed out."""
    from concurrent.futures import ThreadPoolExecutor

    make_tree()
    make_member("20000013", "B1")
    login(api, "20000013")
    token = api.cookies.get("dj_rt")
    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(lambda _: _refresh_with(api, token), range(4)))
    assert [r.status_code for r in replies] == [200] * 4
    assert [f.revoked for f in SessionFamily.scan()] == [False]


def test_logout_ends_the_session(api):
    make_tree()
    make_member("20000008", "B1")
    login(api, "20000008")
    token = api.cookies.get("dj_rt")
    r = post(api, "/auth/logout")
    assert r.status_code == 204
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    assert (
        requests.post(api.base + "/auth/refresh", cookies={"dj_rt": token}, timeout=30).status_code
        == 401
    )


def test_password_change_revokes_every_session(api):
    make_tree()
    make_member("20000009", "B1")
    other_device = requests.Session()
    other_device.base = api.base
    old_access = login(other_device, "20000009")
    access = login(api, "20000009")
    r = post(
        api,
        "/auth/password",
        {"old_password": PASSWORD, "new_password": "newpass2026"},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert r.status_code == 200, r.text
    # The other device's refresh token and access token stop working at once.
    assert post(other_device, "/auth/refresh").status_code == 401
    assert me(api, old_access).status_code == 401
    assert me(api, r.json()["access_token"]).ok
    assert (
        post(api, "/auth/login", {"member_no": "20000009", "password": PASSWORD}).status_code == 401
    )
    assert login(api, "20000009", "newpass2026")


def test_wrong_old_password_is_refused(api):
    make_tree()
    make_member("20000010", "B1")
    access = login(api, "20000010")
    r = post(
        api,
        "/auth/password",
        {"old_password": "not-it-123", "new_password": "newpass2026"},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert r.status_code == 401 and r.json()["Message"] == "原密码不正确"
    assert login(api, "20000010")


def test_inactive_member_cannot_log_in(api):
    make_tree()
    make_member("20000011", "B1", active=False)
    assert (
        post(api, "/auth/login", {"member_no": "20000011", "password": PASSWORD}).status_code == 401
    )
