"""Activation guessing across accounts (in-process, so that each guess can come from its own
address): per client, and organisation-wide whatever the addresses."""

from __future__ import annotations

import pytest

from chalicelib import auth
from chalicelib.errors import TooManyRequestsError, UnauthorizedError
from chalicelib.settings import get_settings
from tools.fixtures import make_member, make_tree

pytestmark = pytest.mark.usefixtures("clean_tables")


def _guess(member_no: str, last4: str, address: str) -> str:
    try:
        auth.activate(member_no, "张三", last4, "abcd12345", auth.Client(address=address))
    except UnauthorizedError:
        return "wrong"
    except TooManyRequestsError:
        return "throttled"
    return "activated"


def test_guesses_from_many_addresses_meet_the_organisation_wide_budget():
    make_tree()
    members = [f"2200{i:04d}" for i in range(60)]
    for m in members:
        make_member(m, "B1", password=None, phone="13800005678")
    budget = get_settings().activation_org_failures
    outcomes = [_guess(m, "0000", f"10.0.{i // 250}.{i % 250}") for i, m in enumerate(members)]
    assert outcomes.count("wrong") == budget
    assert outcomes.count("throttled") == len(members) - budget


def test_a_right_answer_gives_its_slots_back():
    make_tree()
    budget = get_settings().activation_client_failures
    for i in range(budget + 2):
        make_member(f"2210{i:04d}", "B1", password=None, phone="13800005678")
    for i in range(budget - 1):
        assert _guess(f"2210{i:04d}", "0000", "10.9.9.9") == "wrong"
    assert _guess(f"2210{budget - 1:04d}", "5678", "10.9.9.9") == "activated"
    # The success did not use up the client's last slot: one more guess is still checked.
    assert _guess(f"2210{budget:04d}", "1111", "10.9.9.9") == "wrong"
    assert _guess(f"2210{budget + 1:04d}", "2222", "10.9.9.9") == "throttled"
    assert _guess(f"2210{budget + 1:04d}", "2222", "10.9.9.8") == "wrong"  # another client


def test_a_refused_attempt_gives_back_only_itself():
    """When the client's budget refuses an attempt, the account's earlier failures stay: an
    attacker cannot reset an account's five by running out another budget."""
    make_tree()
    budget = get_settings().activation_client_failures
    for i in range(budget):
        make_member(f"2220{i:04d}", "B1", password=None, phone="13800005678")
    target = "22200000"
    for n in range(4):
        assert _guess(target, f"{n:04d}", "10.8.8.8") == "wrong"
    for i in range(1, budget - 3):  # use up the rest of this client's budget elsewhere
        assert _guess(f"2220{i:04d}", "0000", "10.8.8.8") == "wrong"
    assert _guess(target, "0004", "10.8.8.8") == "throttled"  # the client's budget
    # From another address: the account still has exactly one guess left of its five.
    assert _guess(target, "0005", "10.7.7.7") == "wrong"
    assert _guess(target, "0006", "10.7.7.7") == "throttled"
