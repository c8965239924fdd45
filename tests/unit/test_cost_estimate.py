"""The cost estimate prices measured figures only, with the documented arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import cost_estimate

FIGURES = {
    "capacity units per login": 3.5,
    "login handler in-process, p50 (scrypt 2^14 dominates)": 60.0,
    "GET /me over HTTP, p50": 20.0,
    "capacity units per refresh": 10.0,
    "capacity units per GET /me (after the token check)": 2.5,
}


def _rows(figures: dict[str, float], members: int = 1000) -> dict[str, tuple]:
    rows, _ = cost_estimate.estimate(figures, members)
    return {r[0]: r for r in rows}


def test_capacity_units_times_usage_times_price() -> None:
    rows = _rows(FIGURES)
    # 1,000 members x (2 logins x 3.5 + 30 refreshes x 10 + 30 x /me 2.5), priced as writes.
    assert rows["DynamoDB writes"][1] == pytest.approx(1000 * (2 * 3.5 + 30 * 10 + 30 * 2.5))
    assert rows["DynamoDB writes"][3] == pytest.approx(382_000 / 1e6 * 0.625)
    assert rows["API Gateway"][1] == 62_000


def test_split_read_and_write_figures_are_priced_apart() -> None:
    figures = {**FIGURES, "read capacity units per login": 1.5, "write capacity units per login": 2}
    rows = _rows(figures)
    assert rows["DynamoDB reads"][1] == pytest.approx(1000 * 2 * 1.5)


def test_scales_linearly_with_members() -> None:
    small, large = _rows(FIGURES, 1000), _rows(FIGURES, 10_000)
    assert large["Lambda compute"][3] == pytest.approx(10 * small["Lambda compute"][3])


def test_unmeasured_actions_are_left_out_and_named(tmp_path: Path, capsys) -> None:
    figures = {k: v for k, v in FIGURES.items() if "refresh" not in k}
    bench = tmp_path / "latest.json"
    bench.write_text(
        json.dumps({"figures": [{"figure": k, "value": v} for k, v in figures.items()]})
    )
    cost_estimate.main([str(bench)])
    out = capsys.readouterr().out
    assert "left out: token refresh" in out and "total" in out
