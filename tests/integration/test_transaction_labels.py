"""The one transaction helper reports why DynamoDB cancelled a transaction by each item's label,
whatever order PynamoDB sends the items in (checks, deletes, puts, updates)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.models import CommentLimit
from chalicelib.models.base import Transaction, TransactionCancelled

pytestmark = pytest.mark.usefixtures("clean_tables")
LABELS = ["update-a", "put-b", "check-c", "delete-d", "update-e"]
LATER = datetime(2100, 1, 1, tzinfo=UTC)


def _limit(key: str) -> CommentLimit:
    return CommentLimit(key, count=1, expires_at=LATER)


def _run(failing: str) -> TransactionCancelled:
    for key in ("a", "c", "d", "e"):
        _limit(f"tx#{key}").save()
    ok = CommentLimit.count == 1
    bad = CommentLimit.count == 2

    def cond(label: str):
        return bad if label == failing else ok

    with pytest.raises(TransactionCancelled) as caught, Transaction() as tx:
        # Deliberately in an order unlike PynamoDB's sending order.
        tx.update("update-a", CommentLimit("tx#a"), [CommentLimit.count.add(1)], cond("update-a"))
        tx.save(
            "put-b",
            _limit("tx#b"),
            CommentLimit.key.exists() if failing == "put-b" else CommentLimit.key.does_not_exist(),
        )
        tx.check("check-c", CommentLimit, "tx#c", condition=cond("check-c"))
        tx.delete("delete-d", CommentLimit("tx#d"), cond("delete-d"))
        tx.update("update-e", CommentLimit("tx#e"), [CommentLimit.count.add(1)], cond("update-e"))
    return caught.value


@pytest.mark.parametrize("failing", LABELS)
def test_each_failed_condition_is_reported_under_its_own_label(failing):
    exc = _run(failing)
    assert [label for label in LABELS if exc.failed(label)] == [failing]
    assert set(exc.reasons) == set(LABELS)
    assert not exc.conflict


def test_a_label_is_used_once():
    tx = Transaction()
    tx.save("x", _limit("tx#z"))
    with pytest.raises(ValueError, match="duplicate"):
        tx.save("x", _limit("tx#y"))
