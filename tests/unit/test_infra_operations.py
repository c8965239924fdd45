"""infra/operations.py: the stage's operations settings load, and every mistake is refused with
the file, the stage and the key named (nothing half-read reaches the template)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import operations

GOOD = """
[prod]
log_retention_days = 180
alarm_emails = ["ops@example.org"]
budget_monthly_usd = 100
api_rate_per_second = 200
api_burst = 400
api_reserved_concurrency = 100
export_keep_days = 35
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "operations.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_repositorys_stages_load() -> None:
    for stage in ("dev", "prod"):
        ops = operations.load(stage)
        assert ops.log_retention_days in operations.RETENTION_DAYS
        assert isinstance(ops.alarm_emails, tuple)


def test_a_good_section_loads_as_written(tmp_path: Path) -> None:
    ops = operations.load("prod", _write(tmp_path, GOOD))
    assert ops.alarm_emails == ("ops@example.org",)
    assert (ops.api_rate_per_second, ops.api_burst, ops.api_reserved_concurrency) == (200, 400, 100)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("_days = 180", "_days = 200"), "log_retention_days: must be one of"),
        (("_usd = 100", "_usd = 0"), "budget_monthly_usd: must be a positive"),
        (("api_burst = 400", "api_burst = true"), "api_burst: must be a positive"),
        (("api_burst = 400", 'api_burst = "400"'), "api_burst: must be a positive"),
        (("api_burst = 400", "api_burst = 400.5"), "api_burst: must be a positive"),
        (('["ops@example.org"]', '["ops.example.org"]'), "alarm_emails: must be a list"),
        (('["ops@example.org"]', '"ops@example.org"'), "alarm_emails: must be a list"),
        (('["ops@example.org"]', '["o ps@example.org"]'), "alarm_emails: must be a list"),
        (("export_keep_days = 35\n", ""), r"\[prod\]: export_keep_days is missing"),
        (("_keep_days = 35", "_keep_days = 35\nexport_days = 3"), "unknown keys export_days"),
        (("[prod]", "[production]"), r"no \[prod\] section"),
    ],
)  # fmt: skip
def test_mistakes_are_refused_naming_the_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in GOOD
    with pytest.raises(SystemExit, match=f"operations.toml.*{message}"):
        operations.load("prod", _write(tmp_path, GOOD.replace(old, new)))
