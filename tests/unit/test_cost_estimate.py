"""The cost estimate prices measured figures only, AWS-billed reads and writes apart, with the
documented arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra import operations
from tools import cost_estimate
from tools.bench import AGGREGATOR, units_figure, units_table
from tools.cost_estimate import BIRTHDAY_LOGIN, FIRST_LOGIN


def units(action: str, read: float, write: float, local: float = 99.0) -> dict[str, float]:
    """An action's four bench figures; Local's are set far off, to show they are not priced."""
    return {
        units_figure(action, "read"): read,
        units_figure(action, "write"): write,
        units_figure(action, "read", "DynamoDB Local"): local,
        units_figure(action, "write", "DynamoDB Local"): local,
    }


FIGURES = {
    **units(FIRST_LOGIN, 2.5, 38.0),
    **units("login (again the same day)", 2.5, 4.0),
    **units("token refresh", 3.5, 6.0),
    **units("GET /me", 3.0, 0.0),
    "login handler in-process, p50 (scrypt 2^14 dominates)": 60.0,
    "GET /me over HTTP, p50": 20.0,
}


def _rows(figures: dict[str, float], members: int = 1000) -> dict[str, tuple]:
    rows, _ = cost_estimate.estimate(figures, members)
    return {r[0]: r for r in rows}


def test_reads_and_writes_are_priced_apart() -> None:
    rows = _rows(FIGURES)
    # per member: 2 first logins of the day, 23 first refreshes of the day (a refresh plus the
    # sign-in award: first login minus a later one), 7 later refreshes, 30 GET /me
    award_read, award_write = 2.5 - 2.5, 38.0 - 4.0
    writes = 2 * 38.0 + 23 * (6.0 + award_write) + 7 * 6.0 + 30 * 0.0
    reads = 2 * 2.5 + 23 * (3.5 + award_read) + 7 * 3.5 + 30 * 3.0
    assert rows["DynamoDB writes"][1] == pytest.approx(1000 * writes)
    assert rows["DynamoDB reads"][1] == pytest.approx(1000 * reads)
    assert rows["DynamoDB writes"][3] == pytest.approx(1000 * writes / 1e6 * 0.625)
    assert rows["DynamoDB reads"][3] == pytest.approx(1000 * reads / 1e6 * 0.125)
    assert rows["API Gateway"][1] == 1000 * (2 + 23 + 7 + 30)


def test_the_sign_in_award_is_counted_on_the_first_sign_in_of_each_day() -> None:
    without_award = {**FIGURES, **units(FIRST_LOGIN, 2.5, 4.0)}  # as if the route awarded nothing
    more = _rows(FIGURES)["DynamoDB writes"][1] - _rows(without_award)["DynamoDB writes"][1]
    # 34 units more on each of 2 first logins and 23 first refreshes, per member
    assert more == pytest.approx(1000 * (2 + 23) * 34)


def test_the_birthday_points_add_units_once_a_year_but_no_request() -> None:
    with_birthday = {**FIGURES, **units(BIRTHDAY_LOGIN, 3.0, 72.0)}
    rows, plain = _rows(with_birthday), _rows(FIGURES)
    more = rows["DynamoDB writes"][1] - plain["DynamoDB writes"][1]
    assert more == pytest.approx(1000 / 12 * (72.0 - 38.0))
    assert rows["API Gateway"][1] == plain["API Gateway"][1]


def test_the_stream_aggregators_work_after_a_request_is_priced_with_it() -> None:
    later = {
        units_figure("GET /me", "read", AGGREGATOR): 1.0,
        units_figure("GET /me", "write", AGGREGATOR): 2.0,
    }
    rows, plain = _rows({**FIGURES, **later}), _rows(FIGURES)
    assert rows["DynamoDB writes"][1] - plain["DynamoDB writes"][1] == pytest.approx(1000 * 30 * 2)
    assert rows["DynamoDB reads"][1] - plain["DynamoDB reads"][1] == pytest.approx(1000 * 30 * 1)
    assert rows["API Gateway"][1] == plain["API Gateway"][1]


def test_local_figures_are_never_priced() -> None:
    local_only = {k: v for k, v in FIGURES.items() if "AWS-billed" not in k}
    rows, skipped = cost_estimate.estimate(local_only)
    assert {r[0]: r[1] for r in rows}["DynamoDB writes"] == 0
    assert "GET /me" in skipped and FIRST_LOGIN in skipped


def test_the_old_total_figures_are_not_priced() -> None:
    # Before the routes were metered, a bench file held one total per action (Local's figures).
    old = {"capacity units per login": 3.5, "GET /me over HTTP, p50": 20.0}
    _, skipped = cost_estimate.estimate(old)
    assert len(skipped) == len(cost_estimate.USAGE)


def test_every_priced_action_is_one_the_benches_report() -> None:
    """USAGE names bench actions; a renamed bench row would silently drop out of the estimate."""
    reported = set()
    for path in Path(cost_estimate.ROOT, "tools", "benches").glob("*.py"):
        reported.add(path.read_text())
    source = "\n".join(reported)
    for action in cost_estimate.USAGE:
        for name, _ in action.terms or ((action.name, 1.0),):
            assert f'"{name}"' in source, name


def test_bench_markdown_has_one_units_table_per_action() -> None:
    rows = [(k, v, "RU") for k, v in units("GET /me", 3.0, 0.0, local=2.5).items()]
    rows.append(("ranking job: read units (AWS-billed, first run)", 842.0, "RRU"))
    table = units_table(rows)
    assert table[2] == "| GET /me | 3.0 | 0.0 | 2.5 | 2.5 |  |  |"
    assert len(table) == 3  # the ranking job's figure is not a user action


def test_scales_linearly_with_members() -> None:
    small, large = _rows(FIGURES, 1000), _rows(FIGURES, 10_000)
    assert large["Lambda compute"][3] == pytest.approx(10 * small["Lambda compute"][3])


def test_unmeasured_actions_are_left_out_and_named(tmp_path: Path, capsys) -> None:
    figures = {k: v for k, v in FIGURES.items() if not k.startswith("token refresh")}
    bench = tmp_path / "latest.json"
    bench.write_text(
        json.dumps({"figures": [{"figure": k, "value": v} for k, v in figures.items()]})
    )
    cost_estimate.main([str(bench)])
    out = capsys.readouterr().out
    assert "token refresh" in out.split("left out:")[1] and "total" in out


HEARTBEAT = {
    **units("heartbeat", 0.0, 2.0),
    "POST /reading/heartbeat over HTTP, p50": 10.0,
}


def test_the_write_budget_adds_a_write_unit_per_budgeted_write_request() -> None:
    rows, plain = _rows({**FIGURES, **HEARTBEAT}), _rows(FIGURES)
    assert plain["Write budget"][1] == 0  # logins, refreshes and reads are not budgeted
    assert rows["Write budget"][1] == pytest.approx(1000 * 215)
    assert rows["Write budget"][3] == pytest.approx(1000 * 215 / 1e6 * 0.625)
    names = {a.name for a in cost_estimate.USAGE}
    assert set(cost_estimate.WRITE_BUDGETED) <= names
    assert not {FIRST_LOGIN, "token refresh", "GET /me"} & set(cost_estimate.WRITE_BUDGETED)


def test_logs_are_priced_per_request_line_and_kept_as_operations_toml_says() -> None:
    from infra import operations

    ops = operations.load(cost_estimate.OPERATIONS_STAGE)
    rows = _rows(FIGURES)
    requests = rows["API Gateway"][1]
    per_request = 400 + cost_estimate.REQUEST_LINE_BYTES + cost_estimate.EMF_LINE_BYTES
    assert rows["CloudWatch Logs"][1] == pytest.approx(requests * per_request / 1e9)
    assert rows["CloudWatch Logs"][3] == pytest.approx(rows["CloudWatch Logs"][1] * 0.50)
    jobs = rows["Logs, jobs (per stage)"][1]
    assert jobs == pytest.approx(sum(cost_estimate.JOB_RUNS_PER_MONTH.values()) * 950 / 1e9)
    kept = rows[f"Logs kept {ops.log_retention_days} d"]
    assert kept[1] == pytest.approx(
        (rows["CloudWatch Logs"][1] + jobs) * ops.log_retention_days / 30
    )


def test_the_jobs_priced_are_the_scheduled_functions() -> None:
    import re

    source = Path(cost_estimate.ROOT, "functions", "chalicelib", "schedules.py").read_text()
    scheduled = set(re.findall(r'@bp\.schedule\(.*name="(\w+)"\)', source))
    assert scheduled == set(cost_estimate.JOB_RUNS_PER_MONTH)


def test_alarms_metrics_and_the_dashboard_are_per_stage_and_from_the_template() -> None:
    from chalicelib.metric_names import ALL
    from infra.template import merge_template

    small, large = _rows(FIGURES, 1000), _rows(FIGURES, 10_000)
    resources = merge_template(cost_estimate.OPERATIONS_STAGE)["Resources"].values()
    alarms = [r for r in resources if r.get("Type") == "AWS::CloudWatch::Alarm"]
    # the 5xx rate reads two metrics: one more than the number of alarms
    assert small["Alarms (per stage)"][1] == len(alarms) + 1
    assert small["Alarms (per stage)"][3] == pytest.approx((len(alarms) + 1) * 0.10)
    assert small["Metrics (per stage)"][1] == len(ALL)
    assert small["Dashboard (per stage)"][3] == pytest.approx(3.0)
    for name, row in small.items():
        if "(per stage)" in name:
            assert large[name] == row, name
    # The exports grow with the members' tables, and are kept export_keep_days.
    assert large["Weekly table exports"][1] == pytest.approx(10 * small["Weekly table exports"][1])
    table_gb = 1000 * cost_estimate.TABLE_KB_PER_MEMBER_MONTH * cost_estimate.HISTORY_MONTHS / 1e6
    assert small["Weekly table exports"][1] == pytest.approx(52 / 12 * table_gb)
    keep = operations.load(cost_estimate.OPERATIONS_STAGE).export_keep_days
    kept = small[f"Exports kept {keep} d"][1]
    assert kept == pytest.approx(table_gb * 0.3 * keep / 7)  # one export a week is kept
    assert small["Table storage and PITR"][3] == pytest.approx(table_gb * 0.45)


def test_lambda_is_priced_on_arm64_like_the_functions() -> None:
    rows = _rows(FIGURES)
    assert rows["Lambda compute"][3] == pytest.approx(rows["Lambda compute"][1] * 0.0000133334)
    config = json.loads(
        Path(cost_estimate.ROOT, "functions", ".chalice", "config.json").read_text()
    )
    assert config["lambda_architecture"] == "arm64"


def test_lesson_media_is_priced_by_the_minutes_members_play() -> None:
    """微党课: the bytes members play through CloudFront grow with them; the library does not."""
    small = {r[0]: r for r in cost_estimate.lesson_media_rows(1000)}
    large = {r[0]: r for r in cost_estimate.lesson_media_rows(10_000)}
    minutes = 1000 * cost_estimate.LESSON_MINUTES_PER_MEMBER
    assert small["Lesson media transfer"][1] == pytest.approx(
        minutes * cost_estimate.LESSON_MB_PER_MINUTE / 1000
    )
    assert large["Lesson media transfer"][3] == pytest.approx(
        10 * small["Lesson media transfer"][3]
    )
    stored = "Lesson media in S3 (per stage)"
    assert large[stored] == small[stored]
    rows, _ = cost_estimate.estimate(FIGURES, 1000)
    assert {"Lesson media transfer", stored} <= {r[0] for r in rows}
