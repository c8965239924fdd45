"""志愿服务 over HTTP on DynamoDB Local: publish, sign up, cancel, check in with the desk's code,
hours, confirm (奉献分 through the ledger); parallel sign-ups beyond the places and the same
member in parallel give exact outcomes; parallel confirms award once; a failure between the
confirmation's writes is completed by the retry; scope (a member sees only her path's
activities, staff only their subtree, unknown ids alike); bad input refused in Chinese with
nothing written."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from chalicelib import checkin_codes, clock, points, points_ledger, volunteering
from chalicelib.errors import ConflictError
from chalicelib.models import VolunteerActivity, VolunteerSignup
from chalicelib.settings import get_settings
from tools.fixtures import bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org(stack):
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    people = {
        "g1": make_member("71000001", "B1", name="总支委员", roles=("general_branch_committee",)),
        "sec1": make_member("71000002", "B1", name="一支书记", roles=("branch_secretary",)),
        "com1": make_member("71000003", "B1", name="一支委员", roles=("branch_committee",)),
        "a": make_member("71000004", "B1", name="王芳"),
        "b": make_member("71000005", "B2", name="李强"),
        "sec3": make_member("73000001", "B3", name="机关书记", roles=("branch_secretary",)),
        "c": make_member("73000002", "B3", name="赵敏"),
    }
    return people


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def _at(minutes: float) -> str:
    return (clock.local_now() + timedelta(minutes=minutes)).isoformat(timespec="minutes")


def body(**over) -> dict:
    out = {
        "unit_id": "G1",
        "topic": "社区义诊志愿服务",
        "description": "为社区老人测血压、讲解用电安全。",
        "place": "幸福里社区服务中心",
        "starts_at": _at(24 * 60),
        "ends_at": _at(24 * 60 + 150),
        "places": 3,
        "request_key": rid(),
    }
    out.update(over)
    return out


def publish(stack, staff, **over) -> dict:
    r = call(stack, "POST", "/volunteer-activities", staff, json=body(**over))
    assert r.status_code == 201, r.text
    return r.json()


def signup(stack, member, aid: str) -> requests.Response:
    return call(stack, "POST", f"/volunteer-activities/{aid}/signup", member)


def rows(aid: str) -> list[VolunteerSignup]:
    return list(VolunteerSignup.query(aid, consistent_read=True))


def taken(aid: str) -> int:
    return int(VolunteerActivity.get(aid, consistent_read=True).taken)


def move(aid: str, *, start_minutes: float, length: float = 120) -> None:
    """The activity's times moved (a test cannot publish in the past): start `start_minutes`
    from now, the deadline passed a minute ago."""
    now = clock.now()
    start = now + 60 * start_minutes
    VolunteerActivity(aid).update(
        actions=[
            VolunteerActivity.starts_ts.set(int(start)),
            VolunteerActivity.ends_ts.set(int(start + 60 * length)),
            VolunteerActivity.deadline_ts.set(int(min(start, now - 60))),
        ]
    )


def code_now(aid: str) -> str:
    a = VolunteerActivity.get(aid, consistent_read=True)
    return checkin_codes.current(
        a.checkin_secret, clock.now(), get_settings().checkin_step_seconds
    ).code


def ledger(member_no: str) -> dict[str, int]:
    day = points_ledger.get(member_no, clock.today().isoformat())
    return {k: line.amount for k, line in day.lines.items() if k.startswith("volunteer_service")}


def test_publish_sign_up_cancel_and_scope(stack, org):
    got = publish(stack, org["g1"], hours=2.5, full_only=False)
    aid = got["id"]
    assert got["hours"] == 2.5 and got["places"] == 3 and got["left"] == 3
    assert got["unit_name"] == "第一党总支"

    # Her list shows it (B1 and B2 are under G1); B3's member neither sees nor reaches it.
    mine = call(stack, "GET", "/volunteer-activities", org["a"]).json()
    assert [x["id"] for x in mine["open"]] == [aid] and mine["open"][0]["can_sign_up"]
    assert call(stack, "GET", "/volunteer-activities", org["c"]).json()["open"] == []
    outside = call(stack, "GET", f"/volunteer-activities/{aid}", org["c"])
    unknown = call(stack, "GET", "/volunteer-activities/va_AAAAAAAAAAAAAAAAAAAAAAAA", org["c"])
    assert outside.status_code == unknown.status_code == 403
    assert outside.json()["Message"] == unknown.json()["Message"] == "活动不存在或您无权查看"
    assert signup(stack, org["c"], aid).status_code == 403

    first = signup(stack, org["a"], aid)
    assert first.status_code == 201 and first.json()["mine"]["name"] == "王芳"
    again = signup(stack, org["a"], aid)
    assert again.status_code == 200 and taken(aid) == 1 and len(rows(aid)) == 1
    assert signup(stack, org["b"], aid).status_code == 201 and taken(aid) == 2

    # Cancel gives the place back; a second cancel is refused; she may sign up again.
    r = call(stack, "POST", f"/volunteer-activities/{aid}/cancel", org["a"])
    assert r.status_code == 200 and r.json()["mine"] is None and taken(aid) == 1
    r = call(stack, "POST", f"/volunteer-activities/{aid}/cancel", org["a"])
    assert r.status_code == 409 and r.json()["Message"] == "您尚未报名本次活动"
    assert taken(aid) == 1
    assert signup(stack, org["a"], aid).status_code == 201 and taken(aid) == 2

    # Staff: the list is for those whose role reaches G1 (the branch committee of B1 does not:
    # its role applies to B1 only); B3's secretary is refused like an unknown id.
    listed = call(stack, "GET", f"/volunteer-activities/{aid}/signups", org["g1"]).json()
    assert {x["member_no"] for x in listed["rows"]} == {"71000004", "71000005"}
    for who in ("sec3", "com1", "a"):
        r = call(stack, "GET", f"/volunteer-activities/{aid}/signups", org[who])
        assert r.status_code == 403, who
        r = call(stack, "GET", f"/volunteer-activities/{aid}/checkin-code", org[who])
        assert r.status_code == 403, who
        r = call(stack, "POST", f"/volunteer-activities/{aid}/confirm", org[who])
        assert r.status_code == 403, who
    units = call(stack, "GET", "/units/C1/volunteer-activities", org["sec3"])
    assert units.status_code == 403
    g1_list = call(stack, "GET", "/units/G1/volunteer-activities", org["g1"]).json()
    assert [x["id"] for x in g1_list["activities"]] == [aid] and g1_list["manage"]

    # A branch secretary cannot publish for the general branch above her.
    r = call(stack, "POST", "/volunteer-activities", org["sec1"], json=body())
    assert r.status_code == 403 and "管理" in r.json()["Message"]


STAFF_ROUTES = [
    ("GET", "", None),
    ("GET", "/signups", None),
    ("GET", "/checkin-code", None),
    ("POST", "/confirm", None),
    ("POST", "/hours/71000004", {"hours": 2}),
    ("POST", "/signup", None),
    ("POST", "/cancel", None),
    ("POST", "/checkin", {"code": "123456"}),
]


def test_no_route_tells_an_activity_out_of_reach_from_an_unknown_id(stack, org):
    """B3's secretary reaches neither G1's activity nor an unknown id: every route answers both
    alike (no oracle of which ids exist). A member of G1's subtree, who can read it, is told she
    may not manage it."""
    aid = publish(stack, org["g1"])["id"]
    fake = "va_" + "A" * 24
    for method, path, js in STAFF_ROUTES:
        got = call(stack, method, f"/volunteer-activities/{aid}{path}", org["sec3"], json=js)
        none = call(stack, method, f"/volunteer-activities/{fake}{path}", org["sec3"], json=js)
        assert (got.status_code, got.json()) == (none.status_code, none.json()), path
        assert got.status_code == 403 and got.json()["Message"] == "活动不存在或您无权查看"
    for method, path, js in STAFF_ROUTES[2:5]:
        r = call(stack, method, f"/volunteer-activities/{aid}{path}", org["a"], json=js)
        assert r.status_code == 403 and "管理" in r.json()["Message"], path


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ('{"member_no": "71000005", "evil": "x"}', "不支持的字段：evil、member_no"),
        ("[]", "JSON 对象"),
        ("null", "JSON 对象"),
        ("not json", "JSON"),
    ],
)
def test_routes_without_a_body_refuse_one(stack, org, raw, says):
    """Sign-up, cancel and confirm take no body: none or {} is fine; fields (a member number
    that would mean nothing here) or anything else is a 400 in Chinese, and nothing is done."""
    aid = publish(stack, org["g1"])["id"]
    for path, who in (("signup", "a"), ("cancel", "a"), ("confirm", "g1")):
        headers = {**bearer(org[who]), "Content-Type": "application/json"}
        url = f"{stack.url}/api/volunteer-activities/{aid}/{path}"
        r = requests.post(url, data=raw, headers=headers, timeout=60)
        assert r.status_code == 400 and says in r.json()["Message"], (path, r.text)
    assert rows(aid) == [] and taken(aid) == 0
    for data in ("{}", " ", ""):
        r = requests.post(f"{stack.url}/api/volunteer-activities/{aid}/signup", data=data,
                          headers={**bearer(org["a"]), "Content-Type": "application/json"},
                          timeout=60)  # fmt: skip
        assert r.status_code in (200, 201), (data, r.text)
        r = call(stack, "POST", f"/volunteer-activities/{aid}/cancel", org["a"], json={})
        assert r.status_code == 200, r.text
    assert taken(aid) == 0


def test_publish_again_with_the_same_request_key_is_one_activity(stack, org):
    b = body()
    first = call(stack, "POST", "/volunteer-activities", org["g1"], json=b)
    again = call(stack, "POST", "/volunteer-activities", org["g1"], json=b)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(list(VolunteerActivity.scan())) == 1


def test_parallel_sign_ups_beyond_the_places_are_exact(stack, org):
    people = [
        make_member(f"7200{i:04d}", "B1" if i % 2 else "B2", name=f"党员{i}") for i in range(12)
    ]
    aid = publish(stack, org["g1"], places=5)["id"]

    def attempt(member) -> int:
        for _ in range(10):  # a phone retries a 503 (the database busy)
            r = signup(stack, member, aid)
            if r.status_code != 503:
                return r.status_code
            time.sleep(0.2)
        return 503

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(attempt, people))
    assert codes.count(201) == 5 and codes.count(409) == 7, codes
    assert len(rows(aid)) == 5 and taken(aid) == 5
    full = signup(stack, org["a"], aid)
    assert full.status_code == 409 and full.json()["Message"] == "名额已满"

    # One member tapping six times at once: one sign-up, one place.
    other = publish(stack, org["g1"], places=5)["id"]
    with ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda _: signup(stack, org["a"], other).status_code, range(6)))
    assert codes.count(201) == 1 and set(codes) <= {200, 201, 503}, codes
    assert len(rows(other)) == 1 and taken(other) == 1


def test_parallel_cancels_give_one_place_back(stack, org):
    aid = publish(stack, org["g1"], places=2)["id"]
    assert signup(stack, org["a"], aid).status_code == 201
    with ThreadPoolExecutor(5) as pool:
        codes = list(
            pool.map(
                lambda _: call(stack, "POST", f"/volunteer-activities/{aid}/cancel", org["a"]),
                range(5),
            )
        )
    statuses = [r.status_code for r in codes]
    assert statuses.count(200) == 1, statuses
    assert taken(aid) == 0 and rows(aid) == []


def test_check_in_with_the_desk_code(stack, org):
    aid = publish(stack, org["g1"], places=3)["id"]
    for who in ("a", "b"):
        assert signup(stack, org[who], aid).status_code == 201
    # Before the window (the start is a day away): no code, no check-in.
    r = call(stack, "GET", f"/volunteer-activities/{aid}/checkin-code", org["g1"])
    assert r.status_code == 409 and "签到尚未开始" in r.json()["Message"]
    move(aid, start_minutes=10)  # check-in opens 30 minutes before the start
    # The deadline has passed (it is the start, moved): no more sign-ups or cancels.
    r = signup(stack, org["sec1"], aid)
    assert r.status_code == 409 and "报名已截止" in r.json()["Message"]
    r = call(stack, "POST", f"/volunteer-activities/{aid}/cancel", org["b"])
    assert r.status_code == 409 and "截止" in r.json()["Message"]

    screen = call(stack, "GET", f"/volunteer-activities/{aid}/checkin-code", org["g1"]).json()
    assert len(screen["code"]) == 6 and screen["qr_svg"].startswith("<svg")
    assert screen["url"] == f"/volunteering.html?a={aid}&c={screen['code']}"
    code = screen["code"]

    wrong = "000000" if code != "000000" else "111111"
    r = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["a"], json={"code": wrong})
    assert r.status_code == 400 and "签到码" in r.json()["Message"]
    r = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["a"], json={"code": "12a"})
    assert r.status_code == 400 and r.json()["Message"] == "签到码为 6 位数字"
    # Full-width digits from a Chinese keyboard are forgiven.
    wide = "".join(chr(ord(d) + 0xFEE0) for d in code_now(aid))
    r = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["a"], json={"code": wide})
    assert r.status_code == 200 and r.json()["mine"]["checked_in"]
    r = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["a"],
             json={"code": code_now(aid)})  # fmt: skip
    assert r.status_code == 409 and "您已签到" in r.json()["Message"]
    # Not signed up: refused whatever the code.
    r = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["g1"],
             json={"code": code_now(aid)})  # fmt: skip
    assert r.status_code == 403 and "尚未报名" in r.json()["Message"]
    # A code of another activity checks nobody in here.
    other = publish(stack, org["g1"])["id"]
    move(other, start_minutes=10)
    if code_now(other) != code_now(aid):
        r = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["b"],
                 json={"code": code_now(other)})  # fmt: skip
        assert r.status_code == 400
    listed = call(stack, "GET", f"/volunteer-activities/{aid}/signups", org["g1"]).json()
    assert listed["checked_in"] == 1 and listed["open"]
    # Checked in: she can no longer cancel (and the deadline passed anyway).
    r = call(stack, "POST", f"/volunteer-activities/{aid}/cancel", org["a"])
    assert r.status_code == 409


def test_the_guess_budget_stops_guessing(stack, org):
    aid = publish(stack, org["g1"])["id"]
    assert signup(stack, org["a"], aid).status_code == 201
    move(aid, start_minutes=5)
    right = code_now(aid)
    wrong = [f"{n:06d}" for n in range(100) if f"{n:06d}" != right]
    limit = get_settings().checkin_max_wrong
    for code in wrong[:limit]:
        r = call(
            stack, "POST", f"/volunteer-activities/{aid}/checkin", org["a"], json={"code": code}
        )
        assert r.status_code == 400
    r = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["a"],
             json={"code": code_now(aid)})  # fmt: skip
    assert r.status_code == 429 and "错误次数过多" in r.json()["Message"]
    assert rows(aid)[0].checked_in_at is None


def test_right_codes_do_not_use_up_the_guess_budget(stack, org):
    """One guess left: her parallel taps of the right code check her in once; the others are
    told she is checked in (409), never 429. Only wrong codes count: the right code's unit is
    given back."""
    from chalicelib.models.sessions import LoginThrottle

    aid = publish(stack, org["g1"])["id"]
    assert signup(stack, org["a"], aid).status_code == 201
    move(aid, start_minutes=5)
    right = code_now(aid)
    limit = get_settings().checkin_max_wrong
    wrong = [f"{n:06d}" for n in range(100) if f"{n:06d}" != right][: limit - 1]
    for code in wrong:
        r = call(
            stack, "POST", f"/volunteer-activities/{aid}/checkin", org["a"], json={"code": code}
        )
        assert r.status_code == 400

    def tap(_: int) -> requests.Response:
        path = f"/volunteer-activities/{aid}/checkin"
        return call(stack, "POST", path, org["a"], json={"code": code_now(aid)})

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(tap, range(4)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [200, 409, 409, 409], [r.text for r in answers]
    assert all("已签到" in r.json()["Message"] for r in answers if r.status_code == 409)
    counted = [t.count for t in LoginThrottle.scan() if t.key.startswith(f"volcheckin#{aid}#")]
    assert counted == [limit - 1]


def _held(stack, org, *, places: int = 3) -> str:
    """An activity that took place: a and b signed up, a checked in, it has ended."""
    aid = publish(stack, org["g1"], places=places, hours=2)["id"]
    for who in ("a", "b"):
        assert signup(stack, org[who], aid).status_code == 201
    move(aid, start_minutes=5)
    r = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["a"],
             json={"code": code_now(aid)})  # fmt: skip
    assert r.status_code == 200
    return aid


def test_hours_confirm_once_in_parallel_and_corrections(stack, org):
    aid = _held(stack, org)
    # Before the end: hours may be set, not confirmed.
    r = call(stack, "POST", f"/volunteer-activities/{aid}/confirm", org["g1"])
    assert r.status_code == 409 and "结束" in r.json()["Message"]
    for bad in (25, -1, 2.3, "2", True, None):
        r = call(stack, "POST", f"/volunteer-activities/{aid}/hours/71000005", org["g1"],
                 json={"hours": bad})  # fmt: skip
        assert r.status_code == 400, bad
        assert all(row.hours_half is None for row in rows(aid))
    r = call(stack, "POST", f"/volunteer-activities/{aid}/hours/71000005", org["g1"],
             json={"hours": 1.5})  # fmt: skip
    assert r.status_code == 200 and r.json()["hours"] == 1.5
    r = call(stack, "POST", f"/volunteer-activities/{aid}/hours/73000002", org["g1"],
             json={"hours": 1})  # fmt: skip
    assert r.status_code == 404

    move(aid, start_minutes=-130)  # it ended ten minutes ago
    late = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["b"],
                json={"code": code_now(aid)})  # fmt: skip
    assert late.status_code == 409 and "签到已于" in late.json()["Message"]
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda _: call(stack, "POST", f"/volunteer-activities/{aid}/confirm", org["g1"]),
                range(4),
            )
        )
    statuses = [r.status_code for r in answers]
    assert 200 in statuses and set(statuses) <= {200, 409, 503}, statuses
    # 2 points an hour: a checked in (the default 2 h → 4), b set to 1.5 h → 3. Once each.
    assert ledger("71000004") == {f"volunteer_service#{aid}": 4}
    assert ledger("71000005") == {f"volunteer_service#{aid}": 3}
    again = call(stack, "POST", f"/volunteer-activities/{aid}/confirm", org["g1"])
    assert again.status_code == 409 and "已于" in again.json()["Message"]

    # Her page: her hours and 奉献分.
    mine = call(stack, "GET", "/volunteer-activities", org["a"]).json()
    assert mine["total_hours"] == 2 and mine["total_points"] == 4
    assert mine["past"][0]["mine"]["confirmed"]

    # A correction after confirming: one adjustment line, keyed by the correction; a retry of
    # the same correction writes nothing more.
    for _ in range(2):
        r = call(stack, "POST", f"/volunteer-activities/{aid}/hours/71000004", org["g1"],
                 json={"hours": 3})  # fmt: skip
        assert r.status_code == 200 and r.json()["hours"] == 3
    assert ledger("71000004") == {
        f"volunteer_service#{aid}": 4,
        f"volunteer_service#{aid}:correction:1": 2,
    }
    assert call(stack, "GET", "/volunteer-activities", org["a"]).json()["total_points"] == 6
    # Sign-up and check-in are over for good.
    r = call(stack, "POST", f"/volunteer-activities/{aid}/checkin", org["b"],
             json={"code": code_now(aid)})  # fmt: skip
    assert r.status_code == 409


def test_hours_set_and_a_check_in_landing_while_confirming_are_what_is_awarded(
    stack, org, monkeypatch
):
    """In-process, an injected interleaving: confirm has read the rows; then staff set a's hours
    (told: 5 h) and b's slow check-in lands. Confirm's writes see both: a gets the 5 h she was
    told, b the activity's 2 h for her check-in, in the rows and in the ledger."""
    from chalicelib import registry

    aid = _held(stack, org)
    move(aid, start_minutes=-180, length=120)  # ended an hour ago
    staff = registry.caller_for(org["g1"])
    real = VolunteerSignup.query
    told = {}

    def query(*args, **kw):
        read = list(real(*args, **kw))
        monkeypatch.setattr(VolunteerSignup, "query", real)
        told["a"] = volunteering.set_hours(staff, aid, "71000004", 5)
        move(aid, start_minutes=-60, length=120)  # b's request read the activity while open
        told["b"] = volunteering.check_in(
            registry.caller_for(org["b"]), org["b"], aid, code_now(aid)
        )
        return iter(read)

    monkeypatch.setattr(VolunteerSignup, "query", query)
    out = volunteering.confirm(staff, aid)
    assert told["a"]["hours"] == 5 and told["b"]["mine"]["checked_in"]
    got = {r.member_no: r for r in rows(aid)}
    assert got["71000004"].confirmed_half == got["71000004"].hours_half == 10
    assert got["71000005"].confirmed_half == 4
    assert out["points"] == 14 and out["participants"] == 2
    assert ledger("71000004") == {f"volunteer_service#{aid}": 10}
    assert ledger("71000005") == {f"volunteer_service#{aid}": 4}


def test_a_failure_between_the_confirmation_writes_is_completed_by_the_retry(
    stack, org, fails_once
):
    """In-process (the same tables): the first award dies after the rows were fixed; the retry
    awards each member once and marks the activity confirmed."""
    from chalicelib import registry

    aid = _held(stack, org)
    move(aid, start_minutes=-130)
    caller = registry.caller_for(org["g1"])
    calls = fails_once(points, "award", "Lambda died after the rows were written")
    with pytest.raises(RuntimeError):
        volunteering.confirm(caller, aid)
    assert VolunteerActivity.get(aid, consistent_read=True).state == "open"
    assert all(r.confirmed_half is not None for r in rows(aid))
    out = volunteering.confirm(caller, aid)
    assert out["points"] == 4 and calls["n"] >= 2
    assert ledger("71000004") == {f"volunteer_service#{aid}": 4}
    assert VolunteerActivity.get(aid, consistent_read=True).state == "confirmed"


def test_a_failure_between_a_correction_and_its_points_is_completed_by_the_retry(
    stack, org, fails_once
):
    from chalicelib import registry

    aid = _held(stack, org)
    move(aid, start_minutes=-130)
    caller = registry.caller_for(org["g1"])
    volunteering.confirm(caller, aid)
    fails_once(points, "adjust", "Lambda died after the row was written")
    with pytest.raises(RuntimeError):
        volunteering.set_hours(caller, aid, "71000004", 4)
    assert ledger("71000004") == {f"volunteer_service#{aid}": 4}
    volunteering.set_hours(caller, aid, "71000004", 4)  # the page sends it again
    assert ledger("71000004") == {
        f"volunteer_service#{aid}": 4,
        f"volunteer_service#{aid}:correction:1": 4,
    }


def test_the_same_correction_sent_twice_at_once_is_one_correction(stack, org, monkeypatch):
    """In-process, an injected interleaving: a correction's first send lands after its retry
    read her row; the retry gets the first outcome (200, the same row), not a 409, and there is
    one correction and one adjustment line."""
    from chalicelib import registry

    aid = _held(stack, org)
    move(aid, start_minutes=-130)
    staff = registry.caller_for(org["g1"])
    volunteering.confirm(staff, aid)
    real = volunteering._signup

    def landing(hours):
        def stale(activity_id, member_no):
            row = real(activity_id, member_no)
            monkeypatch.setattr(volunteering, "_signup", real)
            volunteering.set_hours(staff, aid, "71000004", hours)  # lands meanwhile
            return row

        monkeypatch.setattr(volunteering, "_signup", stale)

    landing(3)  # the first send of the same correction
    again = volunteering.set_hours(staff, aid, "71000004", 3)
    assert again["hours"] == 3 and len(again["corrections"]) == 1
    assert ledger("71000004") == {
        f"volunteer_service#{aid}": 4,
        f"volunteer_service#{aid}:correction:1": 2,
    }
    # Different hours meanwhile are still a conflict: she must look again.
    landing(5)
    with pytest.raises(ConflictError):
        volunteering.set_hours(staff, aid, "71000004", 4)
    assert {r.member_no: r.confirmed_half for r in rows(aid)}["71000004"] == 10


BAD = [
    ({"topic": "😀😀😀"}, "表情"),
    ({"topic": "义诊🎉"}, "表情"),
    ({"topic": "……"}, "文字"),
    ({"topic": "义"}, "活动主题"),
    ({"topic": "长" * 41}, "活动主题"),
    ({"place": ""}, "活动地点"),
    ({"place": "一\n二三"}, "换行"),
    ({"description": "长" * 1001}, "活动内容"),
    ({"places": 0}, "招募人数"),
    ({"places": 501}, "招募人数"),
    ({"places": "3"}, "整数"),
    ({"places": True}, "整数"),
    ({"starts_at": "2020-01-01T09:00"}, "已过"),
    ({"starts_at": "明天"}, "ISO 8601"),
    ({"ends_at": lambda: _at(24 * 60 - 10)}, "晚于开始"),
    ({"ends_at": lambda: _at(24 * 60 + 10)}, "30 分钟"),
    ({"ends_at": lambda: _at(24 * 60 + 13 * 60)}, "12 小时"),
    ({"deadline_at": lambda: _at(24 * 60 + 5)}, "截止"),
    ({"deadline_at": lambda: _at(-5)}, "截止"),
    ({"hours": 0}, "工时"),
    ({"hours": 30}, "工时"),
    ({"hours": 1.2}, "工时"),
    ({"hours": 10**30}, "工时"),
    ({"full_only": "yes"}, "布尔"),
    ({"unit_id": "G 1"}, "组织"),
    ({"unit_id": "NOPE"}, "管理"),
    ({"request_key": "short"}, "请求编号"),
    ({"extra": 1}, "不支持的字段"),
    ({"topic": "社区\u202e务服诊义"}, "不可见"),
    ({"place": "服务中心\u200b\u2066"}, "不可见"),
    ({"description": "为老人\u2067测血压\u2069。"}, "不可见"),
    ({"description": "\u200b\u200b"}, "不可见"),
]


@pytest.mark.parametrize(("over", "says"), BAD)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(stack, org, over, says):
    # Times are made now, beside body()'s start: made at collection they drift from it over a
    # long run (a deadline 5 minutes after a start 20 minutes later is valid).
    over = {k: v() if callable(v) else v for k, v in over.items()}
    r = call(stack, "POST", "/volunteer-activities", org["g1"], json=body(**over))
    assert 400 <= r.status_code < 500, r.text
    assert says in r.json()["Message"], r.json()
    assert list(VolunteerActivity.scan()) == []


@pytest.mark.parametrize("number", ["Infinity", "NaN", "1e400"])
def test_hours_json_accepts_but_no_number_can_carry_are_refused(stack, org, number):
    """Python's JSON reads Infinity, NaN and 1e400 (inf): a 400, never a 500."""
    raw = json.dumps(body(hours=0.5)).replace('"hours": 0.5', f'"hours": {number}')
    headers = {**bearer(org["g1"]), "Content-Type": "application/json"}
    r = requests.post(
        f"{stack.url}/api/volunteer-activities", data=raw, headers=headers, timeout=60
    )
    assert r.status_code == 400 and "工时" in r.json()["Message"], r.text
    assert list(VolunteerActivity.scan()) == []


def test_only_full_members_when_the_activity_says_so(stack, org):
    aid = publish(stack, org["g1"], full_only=True)["id"]
    org["b"].update(actions=[org["b"].__class__.status.set("probationary")])
    r = signup(stack, org["b"], aid)
    assert r.status_code == 403 and r.json()["Message"] == "本活动仅限正式党员报名"
    assert rows(aid) == [] and taken(aid) == 0
    view = call(stack, "GET", f"/volunteer-activities/{aid}", org["b"]).json()
    assert view["can_sign_up"] is False and view["why_not"] == "本活动仅限正式党员报名"
