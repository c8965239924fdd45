"""`make bench`: measure and write the figures to bench/results/latest.{json,md}.

Each area's bench is a module in `tools/benches/` with `run(stack) -> rows` of (figure, value,
unit). They run against the same local parts as the tests:
DynamoDB Local in memory and the API behind `chalice local`, over HTTP.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from infra import dynamodb_local
from infra.local_stack import LocalStack, api_environment

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "bench" / "results"
JWT_KEYS = json.dumps({"bench-1": "b" * 48})
Row = tuple[str, float, str]


# Per user action: `<action>: <read|write> units (<AWS-billed|DynamoDB Local>)`.
UNITS_FIGURE = re.compile(r"^(?P<action>.+): (?P<kind>read|write) units \((?P<source>[^)]+)\)$")
# What the stream functions do after a request, metered apart (tools/bench_routes.py).
AGGREGATOR = "AWS-billed, stream aggregator"
SOURCES = ("AWS-billed", "DynamoDB Local", AGGREGATOR)


def units_figure(action: str, kind: str, source: str = "AWS-billed") -> str:
    """The name of a per-action units figure (tools/bench_routes.py, tools/cost_estimate.py)."""
    return f"{action}: {kind} units ({source})"


def action_units(name: str) -> tuple[str, str, str] | None:
    """(action, read|write, source) of a per-action units figure, else None."""
    found = UNITS_FIGURE.match(name)
    if found and found["source"] in SOURCES:
        return found["action"], found["kind"], found["source"]
    return None


def units_table(rows: list[Row]) -> list[str]:
    """The per-action units as one Markdown table: read and write, AWS-billed and Local."""
    actions: dict[str, dict[tuple[str, str], float]] = {}
    for name, value, _ in rows:
        if parts := action_units(name):
            action, kind, source = parts
            actions.setdefault(action, {})[kind, source] = value
    if not actions:
        return []
    lines = [
        "| action | read (AWS-billed) | write (AWS-billed) | read (Local) | write (Local) "
        "| aggregator read (AWS-billed) | aggregator write (AWS-billed) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for action, v in actions.items():
        cells = [v.get((k, s), "") for s in SOURCES for k in ("read", "write")]
        lines.append(f"| {action} | " + " | ".join(str(c) for c in cells) + " |")
    return lines


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def bench_import_time() -> list[Row]:
    """`python -X importtime -c 'import app'`: a proxy for the Lambda cold start."""
    totals = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import app"],
            cwd=ROOT / "functions",
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        app_line = [ln for ln in out.splitlines() if re.search(r"\|\s+app$", ln)][-1]
        totals.append(int(app_line.split("|")[1]) / 1000)
    return [("app import time (median of 5)", round(statistics.median(totals), 1), "ms")]


@contextmanager
def local_stack() -> Iterator[LocalStack]:
    ddb = dynamodb_local.free_port()
    env = api_environment(ddb, JWT_KEYS)
    os.environ.update(env)
    stack = LocalStack(
        ddb_port=ddb,
        api_port=dynamodb_local.free_port(),
        web_port=dynamodb_local.free_port(),
        site=OUT,
        env=env,
    )
    try:
        stack.start_database()
        from tools.tables import create_all

        create_all()
        stack.start_api()
        stack.start_web()
        yield stack
    finally:
        stack.stop()


def timed(fn: Callable[[], object], n: int) -> list[float]:
    """Wall times in ms of n calls."""
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def write(rows: list[Row]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
    }
    figures = [{"figure": f, "value": v, "unit": u} for f, v, u in rows]
    (OUT / "latest.json").write_text(
        json.dumps({**meta, "figures": figures}, ensure_ascii=False, indent=2)
    )
    lines = [
        f"# make bench — {meta['when']}",
        "",
        f"Machine: {meta['machine']}",
        "",
        "| figure | value | unit |",
        "|---|---:|---|",
    ]
    # Per-action units go to their own table below (all of them are in latest.json).
    lines += [f"| {f} | {v} | {u} |" for f, v, u in rows if not action_units(f)]
    table = units_table(rows)
    if table:
        lines += ["", "## DynamoDB units per user action (through the routes)", "", *table]
    (OUT / "latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    """Run the import-time bench, then every `tools/benches/<area>.py` `run(stack)` in turn."""
    import importlib
    import pkgutil

    rows = bench_import_time()
    with local_stack() as stack:
        # Imported only now: PynamoDB reads the table host when the models are first imported.
        from tools import benches
        from tools.tables import truncate_all

        for info in sorted(pkgutil.iter_modules(benches.__path__), key=lambda m: m.name):
            truncate_all()
            rows += importlib.import_module(f"tools.benches.{info.name}").run(stack)
    write(rows)


if __name__ == "__main__":
    main()
