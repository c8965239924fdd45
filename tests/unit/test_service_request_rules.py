"""诉求's rules file: the shipped one loads; every mistake is named with its file, line and
field; routing by level from a branch; the rates' periods and their definitions."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from chalicelib import service_request_rates as rates
from chalicelib.service_request_rules import RulesFileError, load, route_unit

GOOD = """[settings]
publish_answered = false
accept_hours = 24
handle_hours = 120

[[category]]
key = "life"
label = "组织生活"
route = "branch"
"""


def _problem(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesFileError) as caught:
        load(path)
    return str(caught.value)


def test_the_shipped_file_loads() -> None:
    found = load()
    assert found.max_transfers == 10
    assert found.categories and all(c.accept_hours > 0 for c in found.categories.values())
    assert {c.route for c in found.categories.values()} <= {
        "branch", "general_branch", "committee", "root",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("change", "line", "needle"),
    [
        (('route = "branch"', 'route = "office"'), 9, "category.route"),
        (('key = "life"', 'key = "Life!"'), 7, "category.key"),
        (('label = "组织生活"', 'label = ""'), 8, "category.label"),
        (('route = "branch"', 'route = "branch"\naccept_hours = 0'), 10, "category.accept_hours"),
        (('route = "branch"', 'route = "branch"\nhandle_hours = "5"'), 10, "category.handle_hours"),
        (('route = "branch"', 'route = "branch"\ncolour = 1'), 10, "category.colour"),
        (("publish_answered = false", 'publish_answered = "yes"'), 2, "publish_answered"),
        (("accept_hours = 24", "accept_hours = 99999"), 3, "accept_hours"),
        (("handle_hours = 120", "handle_hours = 120\nspeed = 1"), 5, "speed"),
        (("handle_hours = 120", "handle_hours = 120\nmax_transfers = 0"), 5, "max_transfers"),
        (("handle_hours = 120", "handle_hours = 120\nmax_transfers = 500"), 5, "max_transfers"),
        (("handle_hours = 120", "handle_hours = 120\nmax_transfers = true"), 5, "max_transfers"),
    ],
)
def test_every_mistake_is_named_with_file_line_and_field(tmp_path, change, line, needle) -> None:
    old, new = change
    message = _problem(tmp_path, GOOD.replace(old, new))
    assert f"rules.toml:{line}:" in message and needle in message, message


def test_a_duplicate_key_and_broken_toml(tmp_path) -> None:
    twice = GOOD + '\n[[category]]\nkey = "life"\nlabel = "又一个"\nroute = "root"\n'
    assert "rules.toml:12:" in _problem(tmp_path, twice) and "重复" in _problem(tmp_path, twice)
    assert "TOML" in _problem(tmp_path, GOOD + "\nkey = \n")
    assert "至少" in _problem(tmp_path, "[settings]\naccept_hours = 24\n")


def test_routing_from_a_branch_by_level() -> None:
    path, kinds = ("C1", "G1", "B1"), ("committee", "general_branch", "branch")
    assert route_unit("branch", path, kinds) == "B1"
    assert route_unit("general_branch", path, kinds) == "G1"
    assert route_unit("committee", path, kinds) == "C1"
    assert route_unit("root", ("X0", *path), ("group", *kinds)) == "X0"
    # No general branch above: the next level up.
    assert route_unit("general_branch", ("C1", "B3"), ("committee", "branch")) == "C1"


def test_periods() -> None:
    key, start, end = rates.period_bounds("2026-Q4")
    assert key == "2026-Q4" and end - start == 92 * 86400
    assert rates.period_bounds("2026-12")[2] - rates.period_bounds("2026-12")[1] == 31 * 86400
    assert rates.period_bounds("2027")[2] - rates.period_bounds("2027")[1] == 365 * 86400
    for bad in ("2026-00", "2026-13", "2026-Q0", "1999", "２０２６", "2026-1"):
        with pytest.raises(Exception, match="统计周期"):
            rates.period_bounds(bad)


def _r(**kw):
    base = dict(state="closed", accept_hours=24, submitted_at=0.0, accepted_at=None, transfers=0,
                transferred_at=None, reaccepted_at=None, rating=None)  # fmt: skip
    return SimpleNamespace(**{**base, **kw})


def test_the_definitions_at_their_boundaries() -> None:
    now = 48 * 3600.0
    counts = rates.Counts()
    counts.add(_r(accepted_at=24 * 3600.0), now)  # exactly at the limit: in time
    counts.add(_r(accepted_at=24 * 3600.0 + 1, state="accepted"), now)  # one second late
    counts.add(_r(state="withdrawn"), now)  # left out
    counts.add(_r(state="waiting"), now)  # never accepted, past its limit: counted, late
    # Still waiting within (or exactly at) its limit: not decided yet, left out of 受理率.
    counts.add(_r(state="waiting", submitted_at=now - 24 * 3600), now)
    counts.add(_r(state="waiting", submitted_at=now - 24 * 3600 - 1), now)  # a second past
    counts.add(_r(accepted_at=10.0, transfers=1, transferred_at=100.0,
                  reaccepted_at=100.0 + 24 * 3600, rating="basic"), now)  # fmt: skip
    counts.add(_r(accepted_at=10.0, transfers=2, transferred_at=100.0, reaccepted_at=None,
                  state="waiting", rating=None), now)  # fmt: skip
    counts.add(_r(accepted_at=10.0, rating="unsatisfied"), now)
    got = {k: (v["num"], v["den"], v["text"]) for k, v in counts.rates().items()}
    assert got == {
        "accept": (4, 7, "57.1%"),
        "transfer": (1, 2, "50.0%"),
        "close": (3, 5, "60.0%"),
        "satisfy": (1, 2, "50.0%"),
    }
    assert rates.Counts().rates()["transfer"]["text"] == "—"
