"""The 季度检查 bench (tools/benches/inspections.py) runs against DynamoDB Local, every row the cost
estimate prices is reported, and the units stay what the design promises: a score is one small
update, a member's 通报 reads a few Queries — never a Scan, whatever the table holds."""

from __future__ import annotations

import pytest

from tools.bench import units_figure
from tools.benches import inspections as bench

pytestmark = pytest.mark.usefixtures("clean_tables")


def test_the_bench_and_its_bounds(stack) -> None:
    rows = {name: value for name, value, _ in bench.run(stack)}
    for name, value in sorted(rows.items()):
        print(f"{name}: {value}")

    def units(action: str) -> tuple[float, float]:
        return rows[units_figure(action, "read")], rows[units_figure(action, "write")]

    read, write = units("item scored (one cell)")
    # token check, her branch, the head, the registry's owner and unit (one BatchGet): no read back
    assert write <= 2 and read <= 3.5
    read, write = units("bulletins listed (a member)")
    assert write == 0 and read <= 4  # her member item, her branch, one Query per unit of her path
    read, write = units("bulletin read (a member)")
    assert write == 0 and read <= 6
    read, write = units("bulletin published (2 units, their staff told)")
    assert (
        write <= 24
    )  # a transaction writes twice: the head, each row, their index entries, 2 messages
