"""A cold start: importing the app and serving a first request, against the floor of importing
boto3 and building one DynamoDB client.

Each figure comes from a fresh process, as a Lambda container starts: the app's child imports
`app` and passes a first heartbeat (the member's read, the reading state's read and write: three
tables) to the Chalice handler as the Lambda runtime would, with an API Gateway event made here
beforehand; the floor's child imports boto3, builds one DynamoDB client and makes one GetItem.
Both measure from their first import to the answer (the interpreter's own start-up is the same
for both and left out). The two alternate run by run and the ratio is taken pair by pair, so
the figure holds while the shared machine's speed drifts; medians are quoted. Goal (issue 11):
the app at most 1.2 times the floor, and at most 80 MiB at its peak.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from chalice.config import Config
from chalice.local import LocalGateway

from infra.local_stack import LocalStack
from tools.bench import ROOT, Row
from tools.fixtures import bearer, make_item, make_member, make_tree

RUNS = 9
TABLES_TOUCHED = 3

# The process's own peak: VmHWM of its memory since exec (ru_maxrss would also count the pages
# of the parent it was forked from).
PEAK = """
def peak_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

# The clock starts after reading the event and stops when the handler returns. In count mode
# (an extra, untimed run) it also reports the DynamoDB clients built and the tables touched.
APP_CHILD = (
    PEAK
    + """
import json, os, sys, time
event = json.loads(sys.stdin.read())
counting = os.environ.get("BENCH_COUNT") == "1"
if counting:
    import botocore.client, botocore.session
    clients, tables = [], set()
    create = botocore.session.Session.create_client
    def create_counted(self, name, *args, **kwargs):
        client = create(self, name, *args, **kwargs)
        clients.append(name)
        return client
    botocore.session.Session.create_client = create_counted
    call = botocore.client.BaseClient._make_api_call
    def call_counted(self, operation, params):
        tables.update([params["TableName"]] if "TableName" in params else [])
        return call(self, operation, params)
    botocore.client.BaseClient._make_api_call = call_counted
# The Lambda package holds what functions/requirements.txt names, and no `cryptography`
# (PyJWT imports it when present, for algorithms we do not use); the dev environment has it.
class NotInPackage:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"cryptography"}:
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, NotInPackage())
cpu, wall = time.process_time(), time.perf_counter()
import app
response = app.app(event, None)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
out = {"cpu": cpu, "wall": wall, "status": response["statusCode"], "rss": peak_mib()}
if counting:
    out.update(clients=clients.count("dynamodb"), tables=len(tables))
print(json.dumps(out))
"""
)

FLOOR_CHILD = (
    PEAK
    + """
import json, os, sys, time
table = sys.stdin.read()
cpu, wall = time.process_time(), time.perf_counter()
import boto3
client = boto3.client("dynamodb", endpoint_url=os.environ["DYNAMODB_HOST"])
client.get_item(TableName=table, Key={"member_no": {"S": "none"}})
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"cpu": cpu, "wall": wall, "rss": peak_mib()}))
"""
)


def _child(code: str, stdin: str, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT / "functions",
        env=env,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.splitlines()[-1])


def _heartbeat_event(headers: dict[str, str], view_id: str) -> dict[str, Any]:
    """The API Gateway proxy event of a first heartbeat, made by Chalice's local gateway (here, in
    the parent, so neither child pays for it) with the body as a string, as API Gateway sends it."""
    import app

    gateway = LocalGateway(app.app, Config())
    event = gateway.event_converter.create_lambda_event(
        "POST", "/reading/heartbeat", {**headers, "content-type": "application/json"}
    )
    body = {"view_id": view_id, "seq": 0, "slug": "bench-startup", "seconds": 0}
    return {**event, "body": json.dumps(body), "isBase64Encoded": False}


def run(stack: LocalStack) -> list[Row]:
    from chalicelib.models import Member

    make_tree()
    member = make_member("30000077", "B1")
    make_item("bench-startup")
    headers = bearer(member)
    table = Member.Meta.table_name
    # A fresh view each run, so every run is a real first heartbeat (opens a view: a write).
    events = [
        json.dumps(_heartbeat_event(headers, f"bench-start-{i:04d}")) for i in range(RUNS + 2)
    ]
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache:
        # Bytecode for every module on both sides (site-packages has it for boto3), written by
        # the first runs to a cache outside the tree.
        env = {**os.environ, **stack.env, "BENCH_COUNT": "0", "PYTHONPYCACHEPREFIX": cache}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        counted = _child(APP_CHILD, events[-1], {**env, "BENCH_COUNT": "1"})
        _child(APP_CHILD, events[-2], env)  # warm-up: the page cache, the database
        _child(FLOOR_CHILD, table, env)
        apps, floors = [], []
        for i in range(RUNS):  # alternating, so a drift of the machine's speed hits both
            apps.append(_child(APP_CHILD, events[i], env))
            floors.append(_child(FLOOR_CHILD, table, env))
    if {a["status"] for a in [*apps, counted]} != {200}:
        raise RuntimeError(f"a first heartbeat failed: {[a['status'] for a in apps]}")
    if counted["tables"] < TABLES_TOUCHED:
        raise RuntimeError(f"the first heartbeat touched {counted['tables']} tables, not 3")

    def median(runs: list[dict[str, Any]], key: str, scale: float = 1.0) -> float:
        return round(statistics.median(r[key] for r in runs) * scale, 1)

    def ratio(key: str) -> float:
        return round(
            statistics.median(a[key] / f[key] for a, f in zip(apps, floors, strict=True)), 2
        )

    app, floor = (
        "cold start: import app + first heartbeat",
        "floor: import boto3, a client, GetItem",
    )
    return [
        (f"{app}, CPU (median of {RUNS})", median(apps, "cpu", 1000), "ms"),
        (f"{app}, wall", median(apps, "wall", 1000), "ms"),
        (f"{floor}, CPU", median(floors, "cpu", 1000), "ms"),
        (f"{floor}, wall", median(floors, "wall", 1000), "ms"),
        ("cold start / floor, CPU (median of the pairs; goal ≤ 1.2)", ratio("cpu"), "×"),
        ("cold start / floor, wall (median of the pairs)", ratio("wall"), "×"),
        ("cold start peak memory, VmHWM (goal ≤ 80)", median(apps, "rss"), "MiB"),
        ("floor peak memory, VmHWM", median(floors, "rss"), "MiB"),
        ("cold start: tables the first heartbeat touches", counted["tables"], "tables"),
        ("cold start: DynamoDB clients built", counted["clients"], "clients"),
    ]
