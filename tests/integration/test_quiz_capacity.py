"""What each quiz submission costs as AWS bills it (tests/aws_units.py), with its award and, for an
exam, the best scores: each item read once, the daily quiz within the issue's 6 write units.

`pytest -s` prints the figures (read and write units, calls per table)."""

from __future__ import annotations

import pytest

from chalicelib import quizzes, registry
from chalicelib.models import QuizAttempt
from tests.aws_units import Bill, billed
from tests.integration.test_quiz_api import key_for
from tests.quiz_factories import publish_test_quizzes
from tools.fixtures import make_member, make_tree
from tools.publish_quizzes import publish

pytestmark = pytest.mark.usefixtures("clean_tables")

DAILY_WRITE_GOAL = 6  # issue 11: daily quiz submit with its award, AWS-billed write units


@pytest.fixture
def setup(tmp_path):
    make_tree()
    publish_test_quizzes(tmp_path / "quizzes")


def request(member_no: str, work) -> tuple[Bill, object]:
    """One request's DynamoDB work as the route does it: the token check's member read, then."""
    with billed() as bill:
        member = registry.get_member(member_no)
        out = work(member)
    return bill, out


def report(name: str, bill: Bill) -> None:
    calls = ", ".join(
        f"{op} {table.split('-', 1)[-1]}×{n}" for (op, table), n in bill.calls.items()
    )
    print(f"\n{name}: read {bill.read_units:g}, write {bill.write_units:g} ({calls})")


def reads_of(bill: Bill, table: str) -> int:
    return sum(bill.count(op, table) for op in ("GetItem", "Query", "BatchGetItem"))


def start(member_no: str, quiz_id: str) -> str:
    member = registry.get_member(member_no)
    return quizzes.start(member, registry.caller_for(member), quiz_id)["attempt"]


def submit_all_right(member_no: str, quiz_id: str) -> tuple[str, Bill, dict]:
    """A new attempt answered right in full and submitted: the submit request's bill."""
    attempt = start(member_no, quiz_id)
    key = key_for(member_no, quiz_id, attempt)
    bill, out = request(member_no, lambda mem: quizzes.submit(mem, quiz_id, attempt, key))
    return attempt, bill, out


def test_daily_submit_reads_once_and_writes_at_most_six_units(setup):
    m = make_member("81000001", "B1", password=None).member_no
    _, bill, out = submit_all_right(m, "tdaily")
    report("daily quiz submit (5 right, award 5)", bill)
    assert out["result"]["points"] == 5 and out["review"]
    assert reads_of(bill, "quiz-attempts") == 1
    assert reads_of(bill, "quiz-questions") == 1
    assert bill.write_units <= DAILY_WRITE_GOAL


def test_exam_submit_reads_each_item_once(setup):
    m = make_member("81000002", "B1", password=None).member_no
    _, bill, out = submit_all_right(m, "texam")
    report("exam submit (first attempt, 100, award 10, best scores)", bill)
    assert out["result"]["score"] == 100 and out["result"]["points"] == 10
    assert reads_of(bill, "quiz-attempts") == 1
    assert reads_of(bill, "quiz-questions") == 1
    assert reads_of(bill, "members") == 1  # the token check's; the best score's name reuses it

    second = start(m, "texam")
    half = {k: v for k, v in key_for(m, "texam", second).items() if int(k) % 2}
    bill, out = request(m, lambda mem: quizzes.submit(mem, "texam", second, half))
    report("exam submit (second attempt, lower score, no award)", bill)
    assert out["result"]["points"] == 0
    # This attempt once, and one Query of the earlier ones (their best score sets the award).
    assert bill.count("GetItem", "quiz-attempts") == 1
    assert bill.count("Query", "quiz-attempts") == 1
    assert reads_of(bill, "quiz-questions") == 1


def test_challenge_answers_read_once(setup):
    m = make_member("81000003", "B1", password=None).member_no
    attempt = start(m, "tchallenge")
    key = key_for(m, "tchallenge", attempt)
    bill, out = request(m, lambda mem: quizzes.answer(mem, "tchallenge", attempt, 0, key["0"]))
    report("challenge answer (right, next question)", bill)
    assert out["correct"] and out["next"]
    assert reads_of(bill, "quiz-attempts") == 1
    wrong = [0] if key["1"] != [0] else [1]
    if isinstance(key["1"][0], str):
        wrong = ["不对"] * len(key["1"])
    bill, out = request(m, lambda mem: quizzes.answer(mem, "tchallenge", attempt, 1, wrong))
    report("challenge answer (wrong, ends, award 1)", bill)
    assert out["finished"] and out["result"]["points"] == 1
    assert reads_of(bill, "quiz-attempts") == 1
    assert reads_of(bill, "quiz-questions") == 1


def test_self_check_submit_reads_once(setup):
    m = make_member("81000004", "B1", password=None).member_no
    attempt = start(m, "tsurvey")
    bill, out = request(m, lambda mem: quizzes.submit(mem, "tsurvey", attempt, {"0": [0]}))
    report("self-check submit (first of its branch)", bill)
    assert out["status"] == "submitted"
    assert reads_of(bill, "quiz-attempts") == 1
    m2 = make_member("81000005", "B1", password=None).member_no
    attempt = start(m2, "tsurvey")
    bill, out = request(m2, lambda mem: quizzes.submit(mem, "tsurvey", attempt, {"0": [1]}))
    report("self-check submit (the branch's tally exists)", bill)
    assert reads_of(bill, "quiz-attempts") == 1
    # The attempt and the tally in one transaction, nothing else written.
    assert bill.count("UpdateItem", "quiz-tallies") == 0
    assert bill.write_units <= 4  # 2 items of ≤ 1 KB, doubled in a transaction


def test_demo_daily_quiz_within_the_goal(dynamodb):
    """The repository's own daily quiz (its real banks): start, five saved answers, submit."""
    make_tree()
    publish()
    m = make_member("81000006", "B1", password=None).member_no
    with billed() as started:
        attempt = start(m, "daily")
    key = key_for(m, "daily", attempt)
    with billed() as saved:
        for index, response in key.items():
            quizzes.answer(registry.get_member(m), "daily", attempt, int(index), response)
    bill, out = request(m, lambda mem: quizzes.submit(mem, "daily", attempt))
    report("demo daily quiz: start", started)
    report("demo daily quiz: five answers saved", saved)
    report("demo daily quiz: submit (5 right, award 5)", bill)
    assert out["result"]["points"] == 5
    assert bill.write_units <= DAILY_WRITE_GOAL
    assert reads_of(started, "quiz-questions") == 1  # drawn and shown from one read
    stored = QuizAttempt.get(m, f"daily#{attempt}", consistent_read=True)
    assert set(stored.settings) <= set(quizzes.ATTEMPT_SETTINGS)  # no description, no nulls
    assert None not in stored.settings.values() and "seed" in stored.settings
    assert saved.count("UpdateItem", "quiz-attempts") == 5
