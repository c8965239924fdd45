"""The stage's operations settings (`infra/operations.toml`), read and checked in one place."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

FILE = Path(__file__).resolve().parent / "operations.toml"
# The values AWS::Logs::LogGroup RetentionInDays accepts.
RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip


@dataclass(frozen=True)
class Operations:
    log_retention_days: int
    alarm_emails: tuple[str, ...]
    budget_monthly_usd: int
    api_rate_per_second: int
    api_burst: int
    api_reserved_concurrency: int
    export_keep_days: int


def _problem(name: str, value: object) -> str | None:
    if name == "alarm_emails":
        ok = isinstance(value, list) and all(
            isinstance(v, str) and v.count("@") == 1 and " " not in v for v in value
        )
        return None if ok else "a list of e-mail addresses"
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return "a positive integer"
    if name == "log_retention_days" and value not in RETENTION_DAYS:
        return f"one of {', '.join(map(str, RETENTION_DAYS))}"
    return None


def load(stage: str, path: Path = FILE) -> Operations:
    """The stage's settings; SystemExit naming the file, stage and key on any mistake."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if stage not in data:
        raise SystemExit(f"{path.name}: no [{stage}] section")
    section = data[stage]
    names = [f.name for f in fields(Operations)]
    unknown = sorted(set(section) - set(names))
    if unknown:
        raise SystemExit(f"{path.name} [{stage}]: unknown keys {', '.join(unknown)}")
    values: dict[str, object] = {}
    for name in names:
        if name not in section:
            raise SystemExit(f"{path.name} [{stage}]: {name} is missing")
        problem = _problem(name, section[name])
        if problem:
            raise SystemExit(f"{path.name} [{stage}] {name}: must be {problem}")
        values[name] = section[name]
    values["alarm_emails"] = tuple(values["alarm_emails"])  # type: ignore[arg-type]
    return Operations(**values)  # type: ignore[arg-type]
