"""Records follow their unit when it moves (unit_paths.py): after a console move of B0102 from
G01 to G02 and one job run, G01's staff no longer reach B0102's meeting and G02's do; every
registered table is re-pathed (a record of each, on DynamoDB Local), twice is harmless, a record
written during a run keeps its write and is caught by the settling pass, a rename's name copies
follow, `make import-units` re-paths at once, and no model keeps a path the registry misses."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from chalicelib import clock, unit_paths
from chalicelib.models import ALL_MODELS, Meeting, Member, OrgUnit
from chalicelib.models.transfers import Transfer
from tests.integration import test_registry_upkeep_api as upkeep
from tests.integration.test_registry_upkeep_api import COMMITTEE, SECRETARY, call, key

pytestmark = pytest.mark.usefixtures("clean_tables")


@pytest.fixture
def demo(stack):
    """The demo organisation, imported as `make dev` does (test_registry_upkeep_api)."""
    return upkeep.demo.__wrapped__(stack)


OLD = ["C01", "G01", "B0102"]
NEW = ["C01", "G02", "B0102"]


def _at(days: int = 1, hours: int = 0) -> str:
    m = clock.local_now().replace(second=0, microsecond=0)
    return (m + timedelta(days=days, hours=hours)).isoformat()


def _g02_staff() -> str:
    for b in ("B0201", "B0202"):
        for m in Member.by_branch.query(b):
            if "general_branch_committee" in (m.roles or []):
                return m.member_no
    raise AssertionError("no 党总支委员 under G02 in the demo")


def _meeting(stack) -> str:
    body = {"unit_id": "B0102", "kind": "theme_day", "topic": "学习党章", "starts_at": _at(1),
            "ends_at": _at(1, 2), "place": "三楼会议室", "request_key": key()}  # fmt: skip
    r = call(stack, SECRETARY, "POST", "/meetings", body)  # SECRETARY: 党总支委员 of G01
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def _move(stack, unit_id: str = "B0102", parent: str = "G02") -> None:
    r = call(stack, COMMITTEE, "POST", f"/registry/units/{unit_id}/move",
             {"request_key": key(), "parent_id": parent})  # fmt: skip
    assert r.status_code == 201, r.text


def test_a_moved_branchs_meeting_follows_the_branch(demo) -> None:
    meeting_id = _meeting(demo)
    g02 = _g02_staff()
    assert call(demo, g02, "GET", f"/meetings/{meeting_id}").status_code in (403, 404)
    unit_paths.run(now=clock.now() - 2 * unit_paths.SETTLE)  # the tree as it was: passed,
    unit_paths.run()  # and settled
    assert unit_paths.run()["ran"] is False
    _move(demo)  # bumps the units' version
    stats = unit_paths.run()
    assert stats["ran"] and stats["repathed"] >= 1, stats
    stored = Meeting.get(meeting_id, consistent_read=True)
    assert stored.unit_path == NEW and stored.tree_sort.startswith("C01/G02/B0102/#")
    assert call(demo, g02, "GET", f"/meetings/{meeting_id}").status_code == 200
    assert call(demo, SECRETARY, "GET", f"/meetings/{meeting_id}").status_code in (403, 404)
    # The month list by subtree (tree_sort prefix) follows too.
    month = stored.starts_at[:7]
    found = [
        m.meeting_id
        for m in Meeting.by_month.query(month, Meeting.tree_sort.startswith("C01/G02/"))
    ]
    assert meeting_id in found
    # Unchanged tree: the next run reads its two rows and does nothing; the settling pass
    # (a request that read the old path just before the move) finds nothing left.
    assert unit_paths.run()["ran"] is False
    settle = unit_paths.run(now=clock.now() + unit_paths.SETTLE + 1)
    assert settle["ran"] and settle["repathed"] == 0, settle
    assert unit_paths.run(now=clock.now() + 3 * unit_paths.SETTLE)["ran"] is False


def _blank(model, hash_value: str, range_value: str | None):
    """A record of `model` with every required attribute filled with a plain value."""
    values = {}
    for name, attr in model.get_attributes().items():
        if attr.is_hash_key or attr.is_range_key or attr.null or attr.default is not None:
            continue
        if isinstance(attr, UnicodeAttribute):
            values[name] = "x"
        elif isinstance(attr, NumberAttribute):
            values[name] = 1
        elif isinstance(attr, BooleanAttribute):
            values[name] = False
        elif isinstance(attr, ListAttribute):
            values[name] = []
        else:
            values[name] = {}
    args = (hash_value,) if range_value is None else (hash_value, range_value)
    return model(*args, **values)


def _stale(entry: unit_paths.Entry, n: int):
    hash_attr = entry.model._hash_key_attribute()
    range_attr = entry.model._range_key_attribute()
    numeric = isinstance(hash_attr, NumberAttribute)
    record = _blank(entry.model, n if numeric else f"k{n}", None if range_attr is None else (
        n if isinstance(range_attr, NumberAttribute) else f"r{n}"))  # fmt: skip
    for g in entry.groups:
        if g.unit:
            setattr(record, g.unit, "B0102")
        if g.path:
            setattr(record, g.path, list(OLD))
        if g.kinds:
            setattr(record, g.kinds, ["committee", "general_branch", "branch"])
        for attr in g.keyed:
            setattr(record, attr, "/".join(OLD) + f"/#2026-12-03#{n}")
        for attr in g.root:
            setattr(record, attr, "open#C01" if attr == "mod_root" else "C01")
        if g.name:
            setattr(record, g.name, "旧名称")
    return record


def _check_fresh(entry: unit_paths.Entry, record, name: str) -> None:
    for g in entry.groups:
        if g.path:
            assert getattr(record, g.path) == NEW, (entry.model.__name__, g.path)
        for attr in g.keyed:
            assert getattr(record, attr).startswith("C01/G02/B0102/#2026-12-03#"), attr
        for attr in g.root:
            assert getattr(record, attr).endswith("C01"), attr
        if g.name:
            assert getattr(record, g.name) == name, (entry.model.__name__, g.name)


def test_every_registered_table_is_repathed_once(demo) -> None:
    _move(demo)
    records = []
    for n, entry in enumerate(unit_paths.REGISTRY):
        record = _stale(entry, n)
        record.save()
        records.append((entry, record))
    # A record of another unit, already current: never written (its updated_at would move).
    current = _stale(unit_paths.REGISTRY[0], 99)
    current.unit_id, current.unit_path = "B0101", ["C01", "G01", "B0101"]
    current.tree_sort = "C01/G01/B0101/#x"
    current.unit_name = OrgUnit.get("B0101").name
    current.save()
    before_current = Meeting.get(current.meeting_id, consistent_read=True).to_simple_dict()

    first = unit_paths.run(force=True)
    name = OrgUnit.get("B0102").name
    assert first["repathed"] == len(records), first
    for entry, record in records:
        record.refresh(consistent_read=True)
        _check_fresh(entry, record, name)
    after = Meeting.get(current.meeting_id, consistent_read=True).to_simple_dict()
    assert after == before_current
    # Idempotent: a second pass finds every record current and writes nothing.
    snapshot = [r.to_simple_dict() for _, r in records]
    again = unit_paths.run(force=True)
    assert again["repathed"] == 0 and again["raced"] == 0, again
    for (_, record), old in zip(records, snapshot, strict=True):
        record.refresh(consistent_read=True)
        assert record.to_simple_dict() == old


def test_a_record_written_during_the_run(demo, monkeypatch) -> None:
    """A request's write between the job's read and its update is kept (the update sets only
    the path copies, on condition they are still the stale ones); one that rewrote them is read
    again. A record written with the pre-move path after the Scan passed it is caught by the
    settling pass."""
    first_id, second_id, late_id = _meeting(demo), _meeting(demo), _meeting(demo)
    _move(demo)
    real = unit_paths._update

    def racing(entry, record, changes):
        if entry.model is Meeting and record.meeting_id == first_id:
            # A request edits the topic meanwhile: kept.
            Meeting(first_id).update(actions=[Meeting.topic.set("改过的主题")])
        if entry.model is Meeting and record.meeting_id == second_id:
            # A request re-wrote its path copies (from the unit as it is now): nothing to do.
            Meeting(second_id).update(
                actions=[Meeting.unit_path.set(NEW), Meeting.tree_sort.set("C01/G02/B0102/#z")]
            )
        return real(entry, record, changes)

    monkeypatch.setattr(unit_paths, "_update", racing)
    stats = unit_paths.run()
    monkeypatch.setattr(unit_paths, "_update", real)
    first = Meeting.get(first_id, consistent_read=True)
    assert first.topic == "改过的主题" and first.unit_path == NEW
    assert Meeting.get(second_id, consistent_read=True).tree_sort == "C01/G02/B0102/#z"
    assert stats["raced"] == 0, stats
    # A request that read B0102's path before the move and writes after the Scan went by.
    stale = Meeting.get(late_id, consistent_read=True)
    assert stale.unit_path == NEW
    stale.update(actions=[Meeting.unit_path.set(OLD),
                          Meeting.tree_sort.set("C01/G01/B0102/#late")])  # fmt: skip
    assert unit_paths.run()["ran"] is False  # within SETTLE of the change
    assert unit_paths.run(now=clock.now() + unit_paths.SETTLE + 1)["repathed"] == 1
    fixed = Meeting.get(late_id, consistent_read=True)
    assert fixed.unit_path == NEW and fixed.tree_sort == "C01/G02/B0102/#late"


def test_a_rename_reaches_the_name_copies_but_not_issued_letters(demo) -> None:
    meeting_id = _meeting(demo)
    unit_paths.run(now=clock.now() - 2 * unit_paths.SETTLE)
    unit_paths.run()
    assert unit_paths.run()["ran"] is False
    letter = _blank(Transfer, "t-1", None)
    letter.from_unit, letter.from_name, letter.from_path = "B0102", "第二党支部", OLD
    letter.save()
    unit = OrgUnit.get("B0102")
    r = call(demo, COMMITTEE, "POST", "/registry/units/B0102/rename",
             {"request_key": key(), "name": "新名称党支部", "rev": unit.rev})  # fmt: skip
    assert r.status_code in (200, 201), r.text
    assert unit_paths.run()["ran"]  # the rename bumped the units' version
    assert Meeting.get(meeting_id, consistent_read=True).unit_name == "新名称党支部"
    assert Transfer.get("t-1", consistent_read=True).from_name == "第二党支部"


def test_import_units_repaths_at_once(demo, tmp_path: Path, capsys) -> None:
    from tools import import_units

    meeting_id = _meeting(demo)
    unit = OrgUnit.get("B0102")
    csv = tmp_path / "units.csv"
    csv.write_text(f"单位编号,单位名称,单位类型,上级单位编号\nB0102,{unit.name},{unit.kind},G02\n")
    assert import_units.main([str(csv)]) == 0
    assert "记录中的单位路径已更新：" in capsys.readouterr().out
    assert Meeting.get(meeting_id, consistent_read=True).unit_path == NEW


# Stored path copies that are not re-pathed, and why.
NOT_REPATHED = {
    # Recomputed by their own jobs from the current tree.
    ("AssessmentItem", "tree"),
    # Shown to the units on the path of the time (the audit log's design).
    ("AuditEntry", "*"),
}
PATHLIKE = re.compile(r"(^|_)(path|tree_sort|tree_key)$|_path$")


def test_every_stored_path_is_registered() -> None:
    """A model attribute that looks like a path copy is in the registry (or listed above)."""
    covered = {
        (e.model.__name__, a)
        for e in unit_paths.REGISTRY
        for g in e.groups
        for a in (g.path, g.kinds, *g.keyed, *g.root)
        if a
    }
    missing = []
    for model in ALL_MODELS:
        for name in model.get_attributes():
            if not PATHLIKE.search(name) or model is OrgUnit:
                continue
            if name in {"source_path", "next_path"}:  # a file's path, a page's path
                continue
            if (model.__name__, name) in covered | NOT_REPATHED or (
                model.__name__, "*") in NOT_REPATHED:  # fmt: skip
                continue
            missing.append(f"{model.__name__}.{name}")
    assert not missing, f"path copies the unit path job does not follow: {missing}"
