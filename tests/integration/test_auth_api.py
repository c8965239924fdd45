"""Activation, login, refresh rotation, logout and password change over HTTP (local stack)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from chalicelib.models import LoginThrottle, Member, RefreshToken, SessionFamily
from tools.fixtures import PASSWORD, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def api(stack):
    session = requests.Session()
    session.base = f"{stack.url}/api"
    return session


SAME_ORIGIN = {"X-Requested-With": "dangjian-h5"}  # what the site's own pages send


def post(s: requests.Session, path: str, body: object | None = None, **kw) -> requests.Response:
    data = None if body is None else json.dumps(body)
    headers = {"Content-Type": "application/json", **SAME_ORIGIN, **kw.pop("headers", {})}
    return s.post(s.base + path, data=data, headers=headers, timeout=30, **kw)


def me(s: requests.Session, token: str) -> requests.Response:
    return s.get(s.base + "/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)


def snapshot() -> list[dict]:
    return sorted((m.to_simple_dict() for m in Member.scan()), key=lambda d: d["member_no"])


@pytest.mark.smoke
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
    # Activating again is refused with the very answer a wrong guess gets: activation never
    # tells anyone whether an account is activated, or that the details were right.
    again = post(
        api,
        "/auth/activate",
        {"member_no": "20000001", "name": "李红", "phone_last4": "5678", "password": "another2026"},
    )
    wrong = post(
        api,
        "/auth/activate",
        {"member_no": "20000001", "name": "李红", "phone_last4": "0000", "password": "another2026"},
    )
    assert again.status_code == wrong.status_code == 401
    assert again.json() == wrong.json()
    assert login(api, "20000001", "hongqi2026")


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
        == "党员编号或密码错误；首次使用请先激活账号"
    )
    assert "Set-Cookie" not in wrong.headers


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "words"),
    [
        (b"{not json", "application/json", 400, "不是有效的 JSON"),
        (b"", "application/json", 400, "不能为空"),
        (b"[1, 2]", "application/json", 400, "JSON 对象"),
        (json.dumps({"member_no": "20000004"}).encode(), "application/json", 400, "缺少字段：密码"),
        (
            json.dumps({"member_no": "20000004", "password": "x" * 9, "admin": True}).encode(),
            "application/json",
            400,
            "不支持的字段：admin",
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
    return requests.post(
        api.base + "/auth/refresh", cookies={"dj_rt": token}, headers=SAME_ORIGIN, timeout=30
    )


def _live_tokens(member_no: str) -> int:
    """Refresh tokens of the member that could still be used: a login never has two."""
    return sum(1 for t in RefreshToken.scan() if t.member_no == member_no and t.used_at is None)


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


def test_a_lost_refresh_reply_gets_the_same_successor_never_a_second_login(api):
    """The phone sent its token, the server rotated it, the reply never arrived: the same token
    again within the grace period gets the successor already issued, not a new branch."""
    make_tree()
    make_member("20000012", "B1")
    login(api, "20000012")
    sent = api.cookies.get("dj_rt")
    lost = _refresh_with(api, sent)  # this reply is "lost"
    assert lost.ok
    again = _refresh_with(api, sent)
    assert again.status_code == 200, again.text
    assert again.cookies.get("dj_rt") == lost.cookies.get("dj_rt")
    assert me(api, again.json()["access_token"]).ok
    assert _live_tokens("20000012") == 1
    assert [f.revoked for f in SessionFamily.scan()] == [False]
    # Once the successor is used, replaying the old token inside the grace period gets nothing.
    successor = again.cookies.get("dj_rt")
    assert _refresh_with(api, successor).ok
    late = _refresh_with(api, sent)
    assert late.status_code == 409 and "Set-Cookie" not in late.headers
    assert _live_tokens("20000012") == 1


def test_parallel_refreshes_of_one_token_all_get_the_one_successor(api):
    """Pages of the same phone refresh at once: none is signed out, and the login still has
    exactly one live refresh token."""
    from concurrent.futures import ThreadPoolExecutor

    make_tree()
    make_member("20000013", "B1")
    login(api, "20000013")
    token = api.cookies.get("dj_rt")
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: _refresh_with(api, token), range(8)))
    assert [r.status_code for r in replies] == [200] * 8
    assert len({r.cookies.get("dj_rt") for r in replies}) == 1
    assert _live_tokens("20000013") == 1
    assert [f.revoked for f in SessionFamily.scan()] == [False]


def test_logout_ends_the_session(api):
    make_tree()
    make_member("20000008", "B1")
    login(api, "20000008")
    token = api.cookies.get("dj_rt")
    r = post(api, "/auth/logout")
    assert r.status_code == 204
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    assert _refresh_with(api, token).status_code == 401


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


def test_logout_ends_that_logins_access_tokens_at_once(api):
    make_tree()
    make_member("20000014", "B1")
    other_device = requests.Session()
    other_device.base = api.base
    kept = login(other_device, "20000014")
    access = login(api, "20000014")
    assert me(api, access).ok
    assert post(api, "/auth/logout").status_code == 204
    assert me(api, access).status_code == 401  # not in 15 minutes: now
    assert me(other_device, kept).ok  # another login of hers goes on


def test_a_copied_refresh_token_ends_the_logins_access_tokens_too(api):
    make_tree()
    make_member("20000015", "B1")
    access = login(api, "20000015")
    first = api.cookies.get("dj_rt")
    assert post(api, "/auth/refresh").ok
    _age_use(first, 60)
    assert _refresh_with(api, first).status_code == 401
    assert me(api, access).status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a form or fetch from another page: no custom header
        {"X-Requested-With": "XMLHttpRequest"},
        {"X-Requested-With": "dangjian-h5", "Sec-Fetch-Site": "cross-site"},
        {"X-Requested-With": "dangjian-h5", "Sec-Fetch-Site": "same-site"},
    ],
)
def test_refresh_and_logout_refuse_what_another_page_can_send(api, headers):
    make_tree()
    make_member("20000016", "B1")
    access = login(api, "20000016")
    token = api.cookies.get("dj_rt")
    for path in ("/auth/logout", "/auth/refresh"):
        r = requests.post(api.base + path, cookies={"dj_rt": token}, headers=headers, timeout=30)
        assert r.status_code == 403, (path, r.text)
        assert "本站" in r.json()["Message"]
    assert me(api, access).ok
    assert _refresh_with(api, token).ok  # nothing was used or revoked


@pytest.mark.parametrize("member_no", ["", "   ", "\t", "a" * 33, "1000 0001", "张三"])
def test_malformed_member_numbers_are_400_and_lock_nobody(api, member_no):
    make_tree()
    make_member("20000017", "B1")
    for _ in range(6):
        r = post(api, "/auth/login", {"member_no": member_no, "password": "wrong-pass1"})
        assert r.status_code == 400, r.text
        assert "党员编号" in r.json()["Message"]
        r = post(
            api,
            "/auth/activate",
            {"member_no": member_no, "name": "张三", "phone_last4": "1234", "password": "abc12345"},
        )
        assert r.status_code == 400, r.text
    assert login(api, "20000017")
    assert list(LoginThrottle.scan()) == []


def test_a_colleague_cannot_lock_a_member_out_of_her_own_phone(api):
    """Five wrong guesses from another browser lock that browser (and every unknown one) out of
    the account; the member's phone, which signed in before, still gets in."""
    make_tree()
    make_member("20000018", "B1")
    login(api, "20000018")  # her phone: it keeps the device mark
    assert api.cookies.get("dj_dev")
    assert post(api, "/auth/logout").status_code == 204
    colleague = requests.Session()
    colleague.base = api.base
    for _ in range(5):
        wrong = post(colleague, "/auth/login", {"member_no": "20000018", "password": "guess-123"})
        assert wrong.status_code == 401
    locked = post(colleague, "/auth/login", {"member_no": "20000018", "password": PASSWORD})
    assert locked.status_code == 429
    stranger = requests.Session()  # any other unknown browser shares the same five
    stranger.base = api.base
    assert (
        post(stranger, "/auth/login", {"member_no": "20000018", "password": "x1234567"}).status_code
        == 429
    )
    assert login(api, "20000018")
    # A mark made for another account does not open this one's bucket.
    make_member("20000019", "B1")
    thief = requests.Session()
    thief.base = api.base
    login(thief, "20000019")
    thief.cookies.set("dj_rt", "", path="/api/auth")
    assert (
        post(thief, "/auth/login", {"member_no": "20000018", "password": "guess-999"}).status_code
        == 429
    )


def test_wrong_old_passwords_do_not_lock_login(api):
    make_tree()
    make_member("20000020", "B1")
    access = login(api, "20000020")
    other = requests.Session()
    other.base = api.base
    for _ in range(5):
        r = post(
            api,
            "/auth/password",
            {"old_password": "not-it-123", "new_password": "newpass2026"},
            headers={"Authorization": f"Bearer {access}"},
        )
        assert r.status_code == 401
    assert login(other, "20000020")  # login from a new browser is not locked


def test_activation_guesses_across_accounts_are_limited(api):
    """Twenty unactivated members, five last-4 guesses each, from one client: the client's
    budget runs out long before, and no guess after it is even checked."""
    make_tree()
    for i in range(20):
        make_member(f"2100{i:04d}", "B1", password=None, phone="13800005678")
    answers = []
    for i in range(20):
        for guess in range(5):
            r = post(
                api,
                "/auth/activate",
                {
                    "member_no": f"2100{i:04d}",
                    "name": "张三",
                    "phone_last4": f"{guess:04d}",
                    "password": "abcd12345",
                },
            )
            answers.append(r.status_code)
    from chalicelib.settings import get_settings

    allowed = get_settings().activation_client_failures
    assert answers.count(401) == allowed
    assert answers.count(429) == 100 - allowed
    # The member herself, with the right details, is refused too until the window turns.
    right = post(
        api,
        "/auth/activate",
        {"member_no": "21000000", "name": "张三", "phone_last4": "5678", "password": "abcd12345"},
    )
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0


@pytest.mark.parametrize("path", ["/auth/login", "/auth/activate"])
def test_text_that_is_not_unicode_is_a_400(api, path):
    """A lone surrogate is valid JSON but not text: 400, and no attempt is counted."""
    make_tree()
    make_member("20000021", "B1")
    raw = (
        '{"member_no": "20000021", "password": "abcdefg\\ud800"'
        + (', "name": "张三", "phone_last4": "1234"' if path.endswith("activate") else "")
        + "}"
    )
    r = api.post(
        api.base + path,
        data=raw.encode(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 400 and "无效字符" in r.json()["Message"]
    assert list(LoginThrottle.scan()) == []
