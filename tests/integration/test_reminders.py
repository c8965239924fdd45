"""The scheduled reminders against DynamoDB Local at frozen clocks: each audience resolver (who
gets a political-birthday card, which reviewers hear of overdue reviews and held comments), and
the hourly runner (not before the time, sent once after it, a missed hour caught up the same
day, a run cut short completed by the next, nothing ever sent twice)."""

from __future__ import annotations

from datetime import datetime

import pytest

from chalicelib import clock, comments, outbox, reminder_defs, reminders, schedules
from chalicelib.audiences import Context, moderation_overdue, political_birthday, review_overdue
from chalicelib.models import Comment, Member, Message, ReminderRun
from tools import reminders as tool
from tools.fixtures import make_member, make_tree, submit_for_review
from tools.registry_import import MemberRecord, apply_member_import, plan_member_import

pytestmark = pytest.mark.usefixtures("clean_tables")


def _ctx() -> Context:
    return Context(datetime.fromtimestamp(clock.now(), clock.TZ))


def _birthdays() -> dict[str, dict]:
    return {d.member_no: d.fields for d in political_birthday(_ctx(), {})}


def _inbox(member_no: str) -> list[Message]:
    return list(Message.query(member_no))


# --- political birthdays ---------------------------------------------------------------------


def test_birthday_cards_go_to_active_members_whose_anniversary_is_today(at) -> None:
    make_tree()
    make_member("20000001", "B1", name="李红", joined_on="2001-12-01")
    make_member("20000002", "B1", joined_on="2001-12-02")  # tomorrow
    make_member("20000003", "B2", joined_on="2026-12-01")  # joined today: no anniversary yet
    make_member("20000004", "B2", joined_on=None)
    make_member("20000005", "B3", joined_on="1996-12-01", roles=("branch_secretary",))  # staff
    make_member("20000006", "B3", joined_on="2001-12-01", active=False)  # deactivated
    # Deactivated while the index still had her (a stale key): still no card.
    stale = make_member("20000007", "B3", joined_on="2011-12-01")
    stale.update(actions=[Member.active.set(False)])
    at("2026-12-01T00:30:00")  # 08:30 in Beijing
    found = _birthdays()
    assert sorted(found) == ["20000001", "20000005"]
    assert found["20000001"] == {
        "name": "李红",
        "years": 25,
        "joined_on": "2001年12月1日",
        "points": 5,
    }
    assert found["20000005"]["years"] == 30


@pytest.mark.parametrize(
    ("utc", "years"),
    [
        ("2027-02-28T01:00:00", 23),  # not a leap year: 29 Feb joiners on 28 Feb (as the points)
        ("2027-03-01T01:00:00", None),
        ("2028-02-28T01:00:00", None),  # a leap year: on the day itself
        ("2028-02-29T01:00:00", 24),
    ],
)
def test_a_29_february_birthday(at, utc: str, years: int | None) -> None:
    make_tree()
    make_member("20000011", "B1", joined_on="2004-02-29")
    make_member("20000012", "B1", joined_on="2004-02-28")
    at(utc)
    found = _birthdays()
    assert found.get("20000011", {}).get("years") == years
    day = datetime.fromisoformat(utc).date()
    assert ("20000012" in found) == ((day.month, day.day) == (2, 28))


def test_the_registry_import_keeps_the_birthday_and_staff_keys(at) -> None:
    """Added, changed (a role given, a date corrected) and deactivated by a re-import."""
    make_tree()

    def record(no: str, joined: str | None, roles: tuple[str, ...] = ()) -> MemberRecord:
        return MemberRecord(no, "王芳", "女", None, "B1", "full", roles, joined)

    apply_member_import(
        plan_member_import([record("20000021", "2001-12-01"), record("20000022", "2001-12-01")], [])
    )
    at("2026-12-01T01:00:00")
    assert sorted(_birthdays()) == ["20000021", "20000022"]
    stored = [
        MemberRecord(m.member_no, m.name, m.gender, m.phone, m.branch_id, m.status,
                     tuple(m.roles), m.joined_on, m.active)
        for m in Member.scan()
    ]  # fmt: skip
    plan = plan_member_import([record("20000021", "2001-12-01", ("branch_secretary",))], stored)
    apply_member_import(plan, deactivate_missing=True)
    assert Member.get("20000021").remind_key == "staff"
    assert Member.get("20000022").remind_key is None
    assert sorted(_birthdays()) == ["20000021"]  # the staff partition is read too
    stored = [
        MemberRecord(m.member_no, m.name, m.gender, m.phone, m.branch_id, m.status,
                     tuple(m.roles), m.joined_on, m.active)
        for m in Member.scan()
    ]  # fmt: skip
    apply_member_import(plan_member_import([record("20000021", "2001-12-05")], stored))
    assert Member.get("20000021").remind_key == "day#12-05"
    assert _birthdays() == {}


def test_the_reindex_command_sets_keys_written_before_this_version(at, capsys) -> None:
    make_tree()
    make_member("20000031", "B1", joined_on="2001-12-01")
    Member.get("20000031").update(actions=[Member.remind_key.remove()])
    at("2026-12-01T01:00:00")
    assert _birthdays() == {}
    assert tool.main(["reindex"]) == 0
    assert sorted(_birthdays()) == ["20000031"]
    assert "1 名" in capsys.readouterr().out


# --- reviewers: overdue reviews, held comments -----------------------------------------------


def _staff() -> None:
    """Who may review what in make_tree(): C1 → G1 → B1, B2; C1 → B3."""
    make_member("30000001", "B1", roles=("branch_secretary",))  # B1
    make_member("30000002", "B2", roles=("branch_secretary",))  # B2 only
    make_member("30000003", "B1", roles=("branch_committee",))  # reads B1, cannot review
    make_member("30000004", "B2", roles=("general_branch_committee",))  # G1: B1 and B2
    make_member("30000005", "B3", roles=("admin",))  # everything
    make_member("30000006", "B1", roles=("branch_secretary",), active=False)  # deactivated
    make_member("30000007", "B3", roles=("branch_secretary",))  # B3 only


def test_overdue_reviews_reach_the_reviewers_of_their_units(at) -> None:
    units = make_tree()
    _staff()
    at("2026-11-25T02:00:00")
    submit_for_review("old-b1", units["B1"])
    at("2026-11-26T02:00:00")
    submit_for_review("old-b1-2", units["B1"])
    at("2026-11-30T02:00:00")
    submit_for_review("fresh-b2", units["B2"])  # one day: not overdue
    at("2026-12-01T01:00:00")
    found = {d.member_no: d.fields for d in review_overdue(_ctx(), {"days": 3})}
    assert sorted(found) == ["30000001", "30000004", "30000005"]
    assert found["30000001"] == {
        "count": 2,
        "days": 3,
        "oldest_days": 5,  # 5 days 23 hours
        "oldest_title": "old-b1 标题",
    }
    later = {d.member_no: d.fields["count"] for d in review_overdue(_ctx(), {"days": 0})}
    assert later == {"30000001": 2, "30000002": 1, "30000004": 3, "30000005": 3}


def _held(slug: str, unit, at_utc: str, at) -> None:
    at(at_utc)
    cid = f"{int(clock.now() * 1000):013d}abc123"
    root, path = comments._mod_keys(comments.HELD, list(unit.path), cid)
    Comment(
        slug,
        cid,
        member_no="20000001",
        author_name="李红",
        branch_id=unit.unit_id,
        branch_name=unit.name,
        branch_path=list(unit.path),
        text="这是一条待处理的评论",
        status=comments.HELD,
        created_at=clock.now(),
        mod_root=root,
        mod_path=path,
    ).save()


def test_held_comments_older_than_the_limit_reach_their_branchs_reviewers(at) -> None:
    units = make_tree()
    _staff()
    _held("a", units["B3"], "2026-11-29T01:00:00", at)
    _held("b", units["B3"], "2026-11-30T20:00:00", at)  # 13 hours before: not yet
    at("2026-12-01T09:00:00")
    found = {d.member_no: d.fields for d in moderation_overdue(_ctx(), {"hours": 24})}
    assert found == {
        "30000005": {"count": 1, "hours": 24, "oldest_hours": 56},
        "30000007": {"count": 1, "hours": 24, "oldest_hours": 56},
    }


# --- the runner --------------------------------------------------------------------------------


def _birthday_org() -> None:
    make_tree()
    make_member("20000001", "B1", name="李红", joined_on="2001-12-01")
    make_member("20000002", "B2", name="赵军", joined_on="2011-12-01")
    make_member("20000003", "B2", joined_on="2011-12-02")


# What EventBridge hands a scheduled function.
SCHEDULED_EVENT = {
    "version": "0",
    "id": "00000000-0000-0000-0000-000000000000",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-12-01T01:00:00Z",
    "region": "ap-east-1",
    "resources": [],
    "detail": {},
}


def _ran(stats: dict) -> list[str]:
    return [r["key"] for r in stats["ran"]]


def test_not_before_the_time_then_once_however_often_it_runs(at) -> None:
    _birthday_org()
    at("2026-12-01T00:00:00")  # 08:00 in Beijing: the card is due at 08:30
    assert _ran(reminders.run_due()) == []
    assert _inbox("20000001") == []
    at("2026-12-01T01:00:00")  # 09:00: the next hourly run
    stats = schedules.run_reminders(SCHEDULED_EVENT, None)  # the Lambda's own handler
    assert "political_birthday" in _ran(stats)
    [card] = _inbox("20000001")
    assert card.kind == "political_birthday" and card.url == "/birthday.html"
    assert card.event_key == "reminder:political_birthday:2026-12-01"
    assert "李红同志" in card.body and "25年" in card.body and "5分" in card.body
    assert len(_inbox("20000002")) == 1 and _inbox("20000003") == []
    at("2026-12-01T02:00:00")  # 10:00: finished today, not run again
    assert "political_birthday" not in _ran(reminders.run_due())
    assert [len(_inbox(m)) for m in ("20000001", "20000002")] == [1, 1]
    at("2026-12-02T01:00:00")  # the next day: tomorrow's member, nobody twice
    reminders.run_due()
    assert [len(_inbox(m)) for m in ("20000001", "20000002", "20000003")] == [1, 1, 1]


def test_a_missed_hour_is_caught_up_the_same_day(at) -> None:
    _birthday_org()
    at("2026-12-01T07:00:00")  # 15:00: the runs of 09:00 to 14:00 did not happen
    assert "political_birthday" in _ran(reminders.run_due())
    assert len(_inbox("20000001")) == 1


def test_a_day_with_no_run_at_all_is_not_sent_the_next_day(at) -> None:
    _birthday_org()
    at("2026-12-02T01:00:00")
    reminders.run_due()
    assert _inbox("20000001") == []  # "今天是您的政治生日" would be wrong tomorrow


def test_a_run_cut_short_is_completed_by_the_next_and_sends_nothing_twice(
    at, monkeypatch: pytest.MonkeyPatch
) -> None:
    _birthday_org()
    real = outbox.post
    calls = {"n": 0}

    def dies_on_the_second(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("the function died here")
        return real(*args, **kwargs)

    monkeypatch.setattr(outbox, "post", dies_on_the_second)
    at("2026-12-01T01:00:00")
    with pytest.raises(RuntimeError, match="political_birthday"):
        reminders.run_due()
    assert ReminderRun.count("political_birthday") == 0  # not marked finished
    at("2026-12-01T02:00:00")
    stats = reminders.run_due()
    [run] = [r for r in stats["ran"] if r["key"] == "political_birthday"]
    assert (run["created"], run["existing"]) == (1, 1)
    assert [len(_inbox(m)) for m in ("20000001", "20000002")] == [1, 1]


def test_running_one_by_hand_and_the_schedule_send_once(at, capsys) -> None:
    _birthday_org()
    at("2026-12-01T00:05:00")  # 08:05: before its time, an operator runs it by hand
    assert tool.main(["run", "political_birthday", "--dry-run"]) == 0
    assert "将发给 2 人" in capsys.readouterr().out
    assert _inbox("20000001") == []
    assert tool.main(["run", "political_birthday"]) == 0
    assert "新发 2 条" in capsys.readouterr().out
    assert tool.main(["run", "political_birthday"]) == 0
    assert "新发 0 条，此前已发 2 条" in capsys.readouterr().out
    at("2026-12-01T01:00:00")
    reminders.run_due()
    assert [len(_inbox(m)) for m in ("20000001", "20000002")] == [1, 1]


def test_request_overdue_runs_now_that_its_data_exists(at, capsys) -> None:
    """诉求 (issue 16) brought the resolver: the reminder is no longer waiting; with no overdue
    request it runs and sends nothing (tests/integration/test_service_requests_api.py sends)."""
    _birthday_org()
    at("2026-12-31T02:00:00")  # a Thursday, 10:00
    stats = reminders.run_due()
    assert "request_overdue" not in stats["waiting"] and "request_overdue" in _ran(stats)
    assert tool.main(["run", "request_overdue"]) == 0


def test_every_runnable_reminder_runs_at_its_time(at) -> None:
    """At 10:00 on a weekday that is the 20th every runnable reminder of the shipped file has
    run (the monthly 主题党日 warning too), once; 党费's on its own day (the 25th)."""
    _birthday_org()
    at("2027-01-20T02:00:00")  # a Wednesday
    ran = _ran(reminders.run_due())
    assert _ran(reminders.run_due()) == []
    at("2027-01-25T02:00:00")  # a Monday
    ran += [k for k in _ran(reminders.run_due()) if k not in ran]
    assert sorted(ran) == sorted(r.key for r in reminder_defs.reminders() if r.runnable)
