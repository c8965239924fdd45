"""政治生日 over HTTP: her card on the anniversary (the server's real Asia/Shanghai day: the
member joined on this day some years ago), with the sign-in award shown once it is in her ledger;
the next birthday on other days; a unit's anniversaries of a month for its staff only (own branch
yes, beside no, a superior over the whole subtree), bad input refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from chalicelib import clock
from tools.fixtures import PASSWORD, bearer, make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


def years_ago(n: int, shift_days: int = 0) -> str:
    day = clock.today() + timedelta(days=shift_days)
    return day.replace(year=day.year - n).isoformat()


@pytest.fixture
def org(stack):
    make_tree()  # C1 → G1 → (B1, B2); C1 → B3
    return {
        "hb": make_member("81000001", "B1", name="王红", joined_on=years_ago(10)),
        "other": make_member("81000002", "B1", name="李明", joined_on=years_ago(7, 3)),
        "b1sec": make_member(
            "81000003", "B1", name="陈书记", roles=("branch_secretary",), joined_on="1990-01-15"
        ),
        "b1cm": make_member(
            "81000004", "B1", name="委员", roles=("branch_committee",), joined_on="1990-01-15"
        ),
        "b2": make_member("82000001", "B2", name="张红", joined_on=years_ago(23)),
        "b2sec": make_member(
            "82000002", "B2", name="刘书记", roles=("branch_secretary",), joined_on="1990-01-15"
        ),
        "g1": make_member(
            "81000009",
            "B1",
            name="总支委员",
            roles=("general_branch_committee",),
            joined_on="1990-01-15",
        ),
        "b3": make_member("83000001", "B3", name="赵军", joined_on=years_ago(31)),
        "gone": make_member("81000005", "B1", name="停用", active=False, joined_on=years_ago(5)),
    }


def get(stack, path: str, member=None, **params) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.get(f"{stack.url}/api{path}", headers=headers, params=params, timeout=60)


def test_the_card_on_the_day_and_the_award_it_shows(stack, org):
    r = get(stack, "/me/birthday", org["hb"])
    assert r.status_code == 200, r.text
    card = r.json()
    assert card["is_birthday"] is True
    assert card["name"] == "王红" and card["joined_on"] == years_ago(10)
    assert card["years"] == 10 and card["today"] == clock.today().isoformat()
    assert card["organisation"] == "示范党委"
    assert card["line"].startswith("十载")  # birthday.toml: from_years = 10
    assert card["points"] == 5 and card["awarded"] is False  # not signed in today yet
    login = requests.post(
        f"{stack.url}/api/auth/login",
        json={"member_no": "81000001", "password": PASSWORD},
        timeout=60,
    )
    assert login.status_code == 200, login.text
    assert "political_birthday" in login.json()["award"]["rules"]
    assert get(stack, "/me/birthday", org["hb"]).json()["awarded"] is True


def test_other_days_give_the_next_birthday(stack, org):
    card = get(stack, "/me/birthday", org["other"]).json()
    assert card["is_birthday"] is False
    soon = clock.today() + timedelta(days=3)
    assert card["next"] == {"date": soon.isoformat(), "years": 7, "days": 3}
    assert "line" not in card and "points" not in card


def test_signed_out_gets_401(stack, org):
    assert get(stack, "/me/birthday").status_code == 401


def month() -> str:
    return clock.today().strftime("%Y-%m")


def names(r: requests.Response) -> list[str]:
    assert r.status_code == 200, r.text
    return [row["name"] for row in r.json()["members"]]


def test_her_branch_staff_see_the_months_anniversaries(stack, org):
    r = get(stack, "/units/B1/anniversaries", org["b1sec"], month=month())
    got = names(r)
    assert "王红" in got and "停用" not in got and "张红" not in got
    row = next(x for x in r.json()["members"] if x["name"] == "王红")
    assert row["years"] == 10 and row["round"] is True and row["date"] == clock.today().isoformat()
    assert row["branch"] == {"id": "B1", "name": "第一党支部"}
    assert "王红" in names(get(stack, "/units/B1/anniversaries", org["b1cm"], month=month()))


def test_a_superior_sees_the_subtree(stack, org):
    got = names(get(stack, "/units/G1/anniversaries", org["g1"], month=month()))
    assert {"王红", "张红"} <= set(got) and "赵军" not in got
    assert get(stack, "/units/C1/anniversaries", org["g1"], month=month()).status_code == 403


def test_round_years_are_marked(stack, org):
    make_member("81000010", "B1", name="老党员", joined_on=years_ago(50, 1))
    make_member("81000011", "B1", name="新党员", joined_on=years_ago(3, 1))
    rows = get(stack, "/units/B1/anniversaries", org["b1sec"], month=month()).json()["members"]
    marks = {r["name"]: r["round"] for r in rows}
    if (clock.today() + timedelta(days=1)).month == clock.today().month:
        assert marks["老党员"] is True and marks["新党员"] is False


@pytest.mark.parametrize(
    ("who", "unit"),
    [("b2sec", "B1"), ("hb", "B1"), ("b1sec", "B2"), ("b1sec", "G1"), ("b1sec", "NOPE")],
)
def test_beside_above_or_a_plain_member_is_refused(stack, org, who, unit):
    r = get(stack, f"/units/{unit}/anniversaries", org[who], month=month())
    assert r.status_code == 403
    assert r.json()["Message"] == "无权查看或管理该组织、党员的信息"


@pytest.mark.parametrize("bad", ["2026-13", "2026-7", "", "2026-07-01", "x"])
def test_a_bad_month_is_refused(stack, org, bad):
    r = get(stack, "/units/B1/anniversaries", org["b1sec"], month=bad)
    assert r.status_code == 400
    assert "月份" in r.json()["Message"]


def test_the_29th_of_february_is_on_the_28th_in_other_years(stack, org):
    make_member("81000012", "B1", name="闰日", joined_on="2000-02-29")
    got = get(stack, "/units/B1/anniversaries", org["b1sec"], month="2027-02").json()["members"]
    leap = [r for r in got if r["name"] == "闰日"]
    assert leap == [{**leap[0], "date": "2027-02-28", "years": 27}]
    got = get(stack, "/units/B1/anniversaries", org["b1sec"], month="2028-02").json()["members"]
    assert [r["date"] for r in got if r["name"] == "闰日"] == ["2028-02-29"]


@pytest.mark.parametrize("day", ["2026-12-02", "2028-02-29", "2027-03-01"])
def test_the_demo_member_has_his_birthday_today(dynamodb, monkeypatch, day):
    from datetime import date

    from chalicelib import birthday
    from chalicelib.models import Member
    from tools import demo_birthday

    monkeypatch.setattr(clock, "today", lambda: date.fromisoformat(day))
    make_tree()
    make_member("10000009", "B1", name="李明", joined_on="2004-09-05")
    line = demo_birthday.birthday_today()
    member = Member.get("10000009")
    assert birthday.today_mark(member) is not None, member.joined_on
    assert member.remind_key == "day#" + day[5:]
    assert "李明（10000009）今天过政治生日" in line


def test_an_applicant_has_no_political_birthday_on_the_list(stack, org):
    from chalicelib.models import Member

    make_member("81000013", "B1", name="申请人", joined_on=years_ago(2))
    Member("81000013").update(actions=[Member.status.set("applicant")])
    got = names(get(stack, "/units/B1/anniversaries", org["b1sec"], month=month()))
    assert "申请人" not in got and "王红" in got
