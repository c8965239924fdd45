"""组织关系转接 over HTTP on DynamoDB Local: a transfer between two branches end to end (the
approvals, her history and her secretaries' access after the move, the old branch's closed
month unchanged, her invitations to the old branch's coming meetings withdrawn); parallel
approvals move her once; a failure between the move and its follow-up completed by the retry;
介绍信 numbers unique and gap-free under parallel creation; out (receipt: she can no longer sign
in, her records stay) and in (confirmed: an active member); overdue at the boundary with a
frozen clock; bad input refused in Chinese with nothing changed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from chalicelib import audiences, clock, points, ranking, registry, transfers
from chalicelib.models import Attendance, Board, Meeting, Member, PointTotal, RankingState, ReadMark
from chalicelib.models.transfers import LetterCounter, Transfer
from tools.bench_routes import Routes
from tools.fixtures import PASSWORD, bearer, make_member, make_tree, rid

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def org(stack):
    make_tree()  # C1 → G1 → B1, B2; C1 → B3
    return {
        "sec1": make_member("91000001", "B1", name="一支书记", roles=("branch_secretary",)),
        "a": make_member("91000002", "B1", name="王芳"),
        "b": make_member("91000003", "B1", name="李强"),
        "sec2": make_member("92000001", "B2", name="二支书记", roles=("branch_secretary",)),
        "g1": make_member("92000002", "B2", name="总支委员", roles=("general_branch_committee",)),
        "m2": make_member("92000003", "B2", name="赵敏"),
        "sec3": make_member("93000001", "B3", name="机关书记", roles=("branch_secretary",)),
    }


def call(stack, method: str, path: str, member=None, **kw) -> requests.Response:
    headers = bearer(member) if member else {}
    return requests.request(method, f"{stack.url}/api{path}", headers=headers, timeout=60, **kw)


def start(stack, sec, member_no: str, to_unit: str = "B2", **over) -> requests.Response:
    body = {"member_no": member_no, "to_unit": to_unit, "reason": "工作调动", "request_key": rid()}
    body.update(over)
    return call(stack, "POST", "/transfers", sec, json=body)


def transfers_now() -> list[Transfer]:
    return list(Transfer.scan(consistent_read=True))


def _meeting(mid: str, unit: str, starts: datetime, state: str, invited: list[str]) -> Meeting:
    iso = starts.astimezone(clock.TZ).isoformat()
    m = Meeting(
        mid,
        unit_id=unit,
        unit_path=list(registry.get_unit(unit).path),
        unit_name=registry.get_unit(unit).name,
        kind="theme_day",
        topic="主题党日",
        starts_at=iso,
        ends_at=iso,
        month=iso[:7],
        organiser="91000001",
        state=state,
        invited=len(invited),
        checkin_secret="x" * 32,
        created_at=clock.now(),
        updated_at=clock.now(),
        unit_sort=f"{iso}#{mid}",
        tree_sort=f"C1/G1/{unit}/#{iso}#{mid}",
    )
    m.save()
    for no in invited:
        Attendance(
            mid,
            no,
            name="x",
            branch_id=unit,
            status="full",
            role="attendee",
            present=state == "locked" or None,
            member_sort=f"{iso}#{mid}",
        ).save()
    return m


def _history(member_no: str) -> None:
    """Her points (this month and last), a read article and a held meeting of B1."""
    today = clock.today()
    last = today.replace(day=1) - timedelta(days=1)
    year = f"y{today.year}"
    months = {f"{today.month:02d}": 7}
    if last.year == today.year:
        months[f"{last.month:02d}"] = 40
    else:
        PointTotal(member_no, f"y{last.year}", points=40, months={f"{last.month:02d}": 40}).save()
    PointTotal(member_no, year, points=sum(months.values()), months=months).save()
    ReadMark(member_no, "article#xuexi", read_on=today.isoformat()).save()


def test_transfer_between_branches_end_to_end(stack, org):
    a, sec1, sec2 = org["a"], org["sec1"], org["sec2"]
    _history(a.member_no)
    PointTotal(org["b"].member_no, f"y{clock.today().year}", points=5, months={}).save()
    held = _meeting("mt_transfer_held1", "B1", datetime.now(UTC) - timedelta(days=3), "locked",
                    [a.member_no, org["b"].member_no])  # fmt: skip
    coming = _meeting("mt_transfer_coming", "B1", datetime.now(UTC) + timedelta(days=5),
                      "scheduled", [a.member_no, org["b"].member_no])  # fmt: skip
    above = _meeting("mt_transfer_g1_cm", "G1", datetime.now(UTC) + timedelta(days=6),
                     "scheduled", [a.member_no])  # fmt: skip
    ranking.compute_boards()
    last_month = points.month_key(clock.today().replace(day=1) - timedelta(days=1))
    this_month = points.month_key(clock.today())
    before = {
        bid: Board.get(bid).data
        for bid in (
            f"branch#B1#{last_month}",
            f"branch#B2#{last_month}",
            f"committee#C1#{last_month}",
            f"redblack#{last_month}",
            f"org#{last_month}",
        )
    }
    assert before[f"branch#B1#{last_month}"]["entries"][0]["id"] == a.member_no

    record = f"/members/{a.member_no}/attendance"
    assert call(stack, "GET", record, sec1).status_code == 200
    assert call(stack, "GET", record, sec2).status_code == 403
    mine_before = call(stack, "GET", record, sec1).json()

    r = start(stack, sec1, a.member_no)
    assert r.status_code == 201, r.text
    t = r.json()
    assert (t["state"], t["from"]["id"], t["to"]["id"]) == ("pending", "B1", "B2")
    assert [s["act"] for s in t["steps"]] == ["start"]
    # The receiving secretary is told, and sees it waiting for her.
    listed = call(stack, "GET", "/units/B2/transfers", sec2).json()
    assert [(x["id"], x["direction"], x["may"]) for x in listed["transfers"]] == [
        (t["id"], "in", ["approve", "refuse"])
    ]
    out = call(stack, "GET", "/units/B1/transfers", sec1).json()["transfers"]
    assert [(x["direction"], x["may"]) for x in out] == [("out", ["cancel"])]
    # Her own status, on her side.
    assert call(stack, "GET", "/me/transfer", a).json()["transfer"]["waiting"] == "接收支部确认"

    r = call(stack, "POST", f"/transfers/{t['id']}/decision", sec2, json={"decision": "approve"})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["state"] == "done"
    assert [(s["act"], s["by"]) for s in done["steps"]] == [
        ("start", sec1.member_no),
        ("approve", sec2.member_no),
    ]
    moved = Member.get(a.member_no, consistent_read=True)
    assert (moved.branch_id, moved.transfer_id, moved.prior_branch_id) == ("B2", None, "B1")
    assert moved.branch_since == clock.local_now().strftime("%Y-%m")
    assert moved.remind_key == "day#07-01" and moved.active
    assert Transfer.get(t["id"], consistent_read=True).settled_at

    # Scope follows the registry at once: the old secretary loses her, the new one has her,
    # with her history (keyed by member number) whole.
    assert call(stack, "GET", record, sec1).status_code == 403
    got = call(stack, "GET", record, sec2)
    assert got.status_code == 200

    def held_rows(body):
        return [m for m in body["meetings"] if m["outcome"] != "upcoming"]

    assert held_rows(got.json()) == held_rows(mine_before) != []
    assert got.json()["attended"] == mine_before["attended"] == 1
    assert call(stack, "GET", record, org["g1"]).status_code == 200  # the superior, as before
    assert ReadMark.get(a.member_no, "article#xuexi")
    # Invitations: the old branch's coming meeting withdrawn (and its count), the held one
    # kept, a meeting of a unit still above her kept.
    assert Attendance.count(coming.meeting_id, Attendance.member_no == a.member_no) == 0
    assert Meeting.get(coming.meeting_id).invited == 1
    assert Attendance.get(held.meeting_id, a.member_no).present
    assert Attendance.get(above.meeting_id, a.member_no)

    # The boards: the closed month of both branches as it was; this month she is in B2.
    ranking.compute_boards()
    for bid, data in before.items():
        assert Board.get(bid).data == data, bid
    now_b1 = [e["id"] for e in Board.get(f"branch#B1#{this_month}").data["entries"]]
    now_b2 = [e["id"] for e in Board.get(f"branch#B2#{this_month}").data["entries"]]
    assert a.member_no not in now_b1 and a.member_no in now_b2
    # A second approval changes nothing.
    again = call(
        stack, "POST", f"/transfers/{t['id']}/decision", sec2, json={"decision": "approve"}
    )
    assert again.status_code == 200 and len(again.json()["steps"]) == 2
    other = call(stack, "POST", f"/transfers/{t['id']}/decision", org["g1"],
                 json={"decision": "approve"})  # fmt: skip
    assert other.status_code == 409
    assert other.json()["Message"] == "该转接已办结，无需重复办理"
    # A unit out of her scope and one that does not exist are answered alike.
    assert call(stack, "GET", "/units/B3/transfers", sec1).status_code == 403
    assert call(stack, "GET", "/units/NOPE/transfers", sec1).status_code == 403


def test_parallel_approvals_move_her_once(stack, org):
    t = start(stack, org["sec1"], org["a"].member_no).json()
    version = RankingState.get("meta", "registry").version
    # The general branch's committee member reads it as a move inside her subtree.
    [seen] = call(stack, "GET", "/units/G1/transfers", org["g1"]).json()["transfers"]
    assert (seen["direction"], seen["may"]) == ("within", ["approve", "refuse", "cancel"])

    def approve(who):
        return call(stack, "POST", f"/transfers/{t['id']}/decision", who,
                    json={"decision": "approve"})  # fmt: skip

    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(approve, [org["sec2"], org["g1"], org["sec2"], org["g1"]]))
    codes = sorted(r.status_code for r in replies)
    assert 200 in codes and set(codes) <= {200, 409}, [r.text for r in replies]
    stored = Transfer.get(t["id"], consistent_read=True)
    assert [s.act for s in stored.steps] == ["start", "approve"]
    assert Member.get(org["a"].member_no, consistent_read=True).branch_id == "B2"
    assert RankingState.get("meta", "registry").version > version


def test_a_failure_between_the_move_and_its_follow_up_is_completed_by_the_retry(
    stack, org, fails_once
):
    a = org["a"]
    coming = _meeting("mt_transfer_retry", "B1", datetime.now(UTC) + timedelta(days=5),
                      "scheduled", [a.member_no])  # fmt: skip
    routes = Routes()
    t = start(stack, org["sec1"], a.member_no).json()
    calls = fails_once(transfers, "withdraw_invitations", "Lambda died after the move")
    path = f"/transfers/{t['id']}/decision"
    with pytest.raises(RuntimeError):
        routes.send("POST", path, member=org["sec2"], body={"decision": "approve"})
    half = Transfer.get(t["id"], consistent_read=True)
    assert half.state == "done" and half.settled_at is None  # moved, not followed up
    assert Attendance.count(coming.meeting_id) == 1
    reply = routes.send("POST", path, member=org["sec2"], body={"decision": "approve"})
    assert reply.status_code == 200 and calls["n"] == 2
    assert Transfer.get(t["id"], consistent_read=True).settled_at
    assert Attendance.count(coming.meeting_id) == 0
    assert Meeting.get(coming.meeting_id).invited == 0
    assert [s.act for s in Transfer.get(t["id"]).steps] == ["start", "approve"]


def test_letter_numbers_are_unique_and_sequential_under_parallel_creation(stack, org):
    people = [make_member(f"9100010{i}", "B1", name=f"党员{i}") for i in range(6)]

    def letter(member):
        body = {"member_no": member.member_no, "other_org": "市交通局机关党委",
                "reason": "调出本单位", "request_key": rid()}  # fmt: skip
        return call(stack, "POST", "/transfer-letters", org["sec1"], json=body)

    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(letter, people))
    assert all(r.status_code == 201 for r in replies), [r.text for r in replies]
    year = clock.today().year
    numbers = sorted(r.json()["letter_no"] for r in replies)
    assert numbers == [f"〔{year}〕第{i:03d}号" for i in range(1, 7)]
    assert LetterCounter.get("C1", year).seq == 6
    # The printable letter's data: staff of the sending side read it; another branch does not.
    one = replies[0].json()
    assert call(stack, "GET", f"/transfers/{one['id']}", org["sec1"]).json()["letter_no"]
    assert call(stack, "GET", f"/transfers/{one['id']}", org["sec3"]).status_code == 404


def test_out_with_receipt_and_in_confirmed(stack, org):
    b, sec1, sec2 = org["b"], org["sec1"], org["sec2"]
    coming = _meeting("mt_transfer_out_cm", "C1", datetime.now(UTC) + timedelta(days=4),
                      "scheduled", [b.member_no, sec1.member_no])  # fmt: skip
    login = {"member_no": b.member_no, "password": PASSWORD}
    assert requests.post(f"{stack.url}/api/auth/login", json=login, timeout=30).status_code == 200
    body = {"member_no": b.member_no, "other_org": "省电力公司党委", "reason": "调动",
            "request_key": rid()}  # fmt: skip
    t = call(stack, "POST", "/transfer-letters", sec1, json=body).json()
    assert t["state"] == "pending" and t["letter_no"].endswith("第001号")
    r = call(stack, "POST", f"/transfers/{t['id']}/decision", sec1,
             json={"decision": "receipt", "note": "已收到回执"})  # fmt: skip
    assert r.status_code == 200 and r.json()["state"] == "done"
    gone = Member.get(b.member_no, consistent_read=True)
    assert not gone.active and gone.remind_key is None and gone.transferred_out_at
    assert gone.name == "李强" and gone.branch_id == "B1"  # her record stays
    # Out of the organisation: even the committee's coming meeting no longer invites her.
    assert [a.member_no for a in Attendance.query(coming.meeting_id)] == [sec1.member_no]
    assert requests.post(f"{stack.url}/api/auth/login", json=login, timeout=30).status_code == 401
    assert call(stack, "GET", "/me", b).status_code == 401  # her tokens end at once

    arrival = {
        "member_no": "95000001", "name": "孙丽", "to_unit": "B2", "status": "probationary",
        "joined_on": "2025-06-30", "phone": "13900001111", "letter_no": "〔2026〕第088号",
        "other_org": "市交通局机关党委", "request_key": rid(),
    }  # fmt: skip
    r = call(stack, "POST", "/transfer-arrivals", sec2, json=arrival)
    assert r.status_code == 201, r.text
    assert registry.get_member("95000001") is None  # not before the receipt
    tid = r.json()["id"]
    assert call(stack, "POST", "/transfer-arrivals", sec2, json=arrival).json()["id"] == tid
    for _ in range(2):  # confirmed twice: one member
        r = call(stack, "POST", f"/transfers/{tid}/decision", sec2, json={"decision": "confirm"})
        assert r.status_code == 200, r.text
    new = Member.get("95000001", consistent_read=True)
    assert (new.branch_id, new.status, new.active, new.joined_on) == (
        "B2",
        "probationary",
        True,
        "2025-06-30",
    )
    assert new.remind_key == "day#06-30"
    assert [s["act"] for s in r.json()["steps"]] == ["register", "confirm"]


def test_overdue_at_the_boundary(stack, org, at):
    """Started 30 Beijing days ago: in time; 31: overdue, flagged to both sides' staff."""
    today = clock.today()
    for member, days in ((org["a"], 30), (org["b"], 31)):
        begun = datetime.combine(today - timedelta(days=days), datetime.min.time(), clock.TZ)
        at(begun.replace(hour=10).astimezone(UTC).replace(tzinfo=None).isoformat())
        caller = registry.caller_for(org["sec1"])
        transfers.start_internal(caller, org["sec1"], {
            "member_no": member.member_no, "to_unit": "B3", "reason": "调动",
            "request_key": rid(),
        })  # fmt: skip
    at(datetime.now(UTC).replace(tzinfo=None).isoformat())
    rows = call(stack, "GET", "/units/B1/transfers", org["sec1"]).json()["transfers"]
    flags = {r["member_name"]: (r["days"], r["overdue"]) for r in rows}
    assert flags == {"王芳": (30, False), "李强": (31, True)}
    ctx = audiences.Context(datetime.now(UTC))
    got = list(audiences.transfer_overdue(ctx, {"days": 30}))
    who = {d.member_no: d.fields for d in got}
    # Both sides: B1's staff (its secretary, the general branch's committee member) and B3's.
    assert set(who) == {org["sec1"].member_no, org["g1"].member_no, org["sec3"].member_no}
    assert who[org["sec3"].member_no] == {"name": "李强", "step": "接收支部确认", "days": 30}
    assert transfers.prescribed_days() == 30


@pytest.mark.parametrize(
    "case",
    [
        "unknown_branch",
        "same_branch",
        "not_a_branch",
        "not_in_scope",
        "already_in_transfer",
        "no_reason",
        "unknown_member",
        "refuse_without_reason",
        "receiving_side_approves_only",
        "letter_without_org",
        "arrival_bad_date",
        "arrival_existing_number",
        "arrival_registered_twice",
        "decision_unknown",
        "other_side_decides",
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(stack, org, case):
    sec1, a = org["sec1"], org["a"]
    first = start(stack, sec1, org["b"].member_no).json()  # an open transfer to work against
    arrival0 = {
        "member_no": "95000008", "name": "吴刚", "to_unit": "B2", "status": "full",
        "joined_on": "2012-07-01", "letter_no": "〔2026〕第002号", "other_org": "外单位",
        "request_key": rid(),
    }  # fmt: skip
    assert call(stack, "POST", "/transfer-arrivals", org["sec2"], json=arrival0).status_code == 201
    snapshot = (
        sorted((t.transfer_id, t.state, len(t.steps)) for t in transfers_now()),
        sorted((m.member_no, m.branch_id, m.transfer_id, m.active) for m in Member.scan()),
    )
    decision = f"/transfers/{first['id']}/decision"
    arrival = {
        "member_no": "95000009", "name": "周洁", "to_unit": "B2", "status": "full",
        "joined_on": "2010-07-01", "letter_no": "〔2026〕第001号", "other_org": "外单位",
        "request_key": rid(),
    }  # fmt: skip
    r = {
        "unknown_branch": lambda: start(stack, sec1, a.member_no, to_unit="B9"),
        "same_branch": lambda: start(stack, sec1, a.member_no, to_unit="B1"),
        "not_a_branch": lambda: start(stack, sec1, a.member_no, to_unit="G1"),
        "not_in_scope": lambda: start(stack, sec1, org["m2"].member_no, to_unit="B3"),
        "already_in_transfer": lambda: start(stack, sec1, org["b"].member_no, to_unit="B3"),
        "no_reason": lambda: start(stack, sec1, a.member_no, reason="  "),
        "unknown_member": lambda: start(stack, sec1, "99999999"),
        "refuse_without_reason": lambda: call(
            stack, "POST", decision, org["sec2"], json={"decision": "refuse"}
        ),
        "receiving_side_approves_only": lambda: call(
            stack, "POST", decision, sec1, json={"decision": "approve"}
        ),
        "letter_without_org": lambda: call(stack, "POST", "/transfer-letters", sec1, json={
            "member_no": a.member_no, "other_org": "", "reason": "调动", "request_key": rid()}),
        "arrival_bad_date": lambda: call(
            stack, "POST", "/transfer-arrivals", org["sec2"],
            json={**arrival, "joined_on": "2010-13-01"},
        ),
        "arrival_existing_number": lambda: call(
            stack, "POST", "/transfer-arrivals", org["sec2"],
            json={**arrival, "member_no": org["m2"].member_no},
        ),
        "arrival_registered_twice": lambda: call(
            stack, "POST", "/transfer-arrivals", org["sec2"],
            json={**arrival0, "request_key": rid()},
        ),
        "decision_unknown": lambda: call(
            stack, "POST", decision, org["sec2"], json={"decision": "receipt"}
        ),
        "other_side_decides": lambda: call(
            stack, "POST", decision, org["sec3"], json={"decision": "approve"}
        ),
    }[case]()  # fmt: skip
    assert 400 <= r.status_code < 500, r.text
    message = r.json()["Message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message
    after = (
        sorted((t.transfer_id, t.state, len(t.steps)) for t in transfers_now()),
        sorted((m.member_no, m.branch_id, m.transfer_id, m.active) for m in Member.scan()),
    )
    assert after == snapshot
    if case == "refuse_without_reason":  # and with one, it ends and frees her
        ok = call(stack, "POST", decision, org["sec2"],
                  json={"decision": "refuse", "note": "本支部编制已满"})  # fmt: skip
        assert ok.json()["state"] == "refused"
        assert Member.get(org["b"].member_no, consistent_read=True).transfer_id is None
        assert start(stack, sec1, org["b"].member_no, to_unit="B3").status_code == 201


def test_branches_list_is_the_organisations(stack, org):
    got = call(stack, "GET", "/transfer-branches", org["sec1"]).json()["branches"]
    assert sorted(b["id"] for b in got) == ["B1", "B2", "B3"]


def test_a_member_whose_registry_changed_meanwhile_is_not_moved(stack, org):
    """Deactivated by an import while her transfer was open: the approval is refused (409) and
    changes nothing; the sending side withdraws it, which frees her."""
    a = org["a"]
    t = start(stack, org["sec1"], a.member_no).json()
    Member(a.member_no).update(actions=[Member.active.set(False)])
    r = call(stack, "POST", f"/transfers/{t['id']}/decision", org["sec2"],
             json={"decision": "approve"})  # fmt: skip
    assert r.status_code == 409 and "党员信息已变化" in r.json()["Message"]
    stored = Transfer.get(t["id"], consistent_read=True)
    assert (stored.state, len(stored.steps)) == ("pending", 1)
    assert Member.get(a.member_no, consistent_read=True).branch_id == "B1"
    r = call(stack, "POST", f"/transfers/{t['id']}/decision", org["sec1"],
             json={"decision": "cancel", "note": "该同志已办理退休"})  # fmt: skip
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert Member.get(a.member_no, consistent_read=True).transfer_id is None
