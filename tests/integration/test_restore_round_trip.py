"""The restore round trip (README: Operations → Backups and restore): DynamoDB Local filled with
the demo organisation and two days of its members' activity through the API, exported in AWS's
export layout (tools/table_export.py, the local stand-in for DynamoDB's export), restored by
`make restore`'s code (tools/restore.py) into new tables of a second, fresh DynamoDB Local, every
item of every table compared, then the suite's smoke tests (`pytest -m smoke`) run against the
restored copy through the API."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.models import ALL_MODELS, Comment
from infra import dynamodb_local, stream_poller
from infra.template import table_suffix
from tools import demo_activity, publish_quizzes, restore, seed_demo, table_export
from tools.fixtures import make_campaign, make_item

ROOT = Path(__file__).resolve().parents[2]
DAYS = 2
PREFIX = "dangjian-dev-r20261202-"


def _number(text: str) -> str:
    """`1796079772.0` and `1796079772` are one DynamoDB number (DynamoDB Local keeps the text
    an update wrote, a put's is normalised)."""
    return format(Decimal(text).normalize(), "f")


def _canonical(value: Any) -> Any:
    """Numbers normalised, sets (SS, NS, BS) in a fixed order: equal items compare equal."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "N":
                out[k] = _number(v)
            elif k == "NS":
                out[k] = sorted(_number(x) for x in v)
            elif k in ("SS", "BS"):
                out[k] = sorted(v)
            else:
                out[k] = _canonical(v)
        return out
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def _ttl(model: type) -> str | None:
    from pynamodb.attributes import TTLAttribute

    found = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    return found[0] if found else None


def _items(client: Any, table: str, ttl: str | None, drop: tuple[str, ...] = ()) -> list[str]:
    """The table's items, canonical, without the attributes `drop`; those past their TTL left
    out: DynamoDB (Local too) deletes them in the background, in each instance at its own
    moment."""
    now = time.time() + 60
    rows = [
        {k: v for k, v in i.items() if k not in drop}
        for i in table_export.scan(client, table)
        if ttl is None or ttl not in i or float(i[ttl]["N"]) > now
    ]
    return sorted(json.dumps(_canonical(table_export.to_json(i)), sort_keys=True) for i in rows)


def _stream_records(endpoint: str, client: Any, table: str) -> list[dict[str, Any]]:
    """Every record of the table's stream from its start (TRIM_HORIZON, as the switch attaches)."""
    import botocore.session

    streams = botocore.session.get_session().create_client(
        "dynamodbstreams", region_name="ap-east-1", endpoint_url=endpoint
    )
    arn = client.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    out: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while it:
            page = streams.get_records(ShardIterator=it)
            out += page["Records"]
            it = page.get("NextShardIterator") if page["Records"] else None
    return out


@pytest.fixture(scope="module")
def source(dynamodb: int, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo organisation with two days of activity, exported; the export's folder."""
    from tools.tables import truncate_all

    truncate_all()
    stream_poller.skip()
    seed_demo.seed()
    for n in range(1, 4):
        make_item(f"backup-article-{n}")
    make_item("dangzhang-001", kind="constitution", day=1)
    make_item("dangzhang-002", kind="constitution", day=2)
    make_campaign("backup-vote", closes_in=86400 * 30, opens_in=-86400 * 10)
    publish_quizzes.publish()
    counts = demo_activity.run(days=DAYS)
    assert counts.sessions and counts.reads and counts.points
    # Text that str.splitlines() would cut (U+2028, U+2029, U+0085): raw in the export's lines.
    comment = next(Comment.scan(limit=1))
    comment.update(actions=[Comment.text.set(f"{comment.text}\u2028第二行\u2029第三段\u0085完")])
    folder = tmp_path_factory.mktemp("exports")
    day = clock.today()
    here = restore.dynamodb(os.environ["DYNAMODB_HOST"], "ap-east-1")
    exported = table_export.export_all(here, folder, day)
    return {"folder": folder, "day": day, "counts": exported, "activity": counts}


@pytest.fixture(scope="module")
def fresh() -> Any:
    """A second DynamoDB Local, empty: the restore's target."""
    port = dynamodb_local.free_port()
    proc = dynamodb_local.start(port)
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def test_restore_rebuilds_every_item_and_the_smoke_tests_pass_on_it(
    source: dict[str, Any], fresh: int, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = f"http://127.0.0.1:{fresh}"
    target = restore.dynamodb(endpoint, "ap-east-1")
    where = str(source["folder"] / source["day"].isoformat())
    args = ["export", where, "--endpoint", endpoint, "--prefix", PREFIX]

    # The dry run says what would happen, table by table, and makes nothing.
    assert restore.main([*args, "--dry-run"]) == 0
    plan = capsys.readouterr().out
    for model in ALL_MODELS:
        suffix = table_suffix(model)
        assert f"{PREFIX}{suffix}" in plan and f"{source['counts'][suffix]}" in plan
    assert f"共 {len(ALL_MODELS)} 张表，{sum(source['counts'].values())} 条记录" in plan
    assert f"TABLE_PREFIX：dangjian-dev- → {PREFIX}" in plan
    assert target.list_tables()["TableNames"] == []

    started = time.monotonic()
    assert restore.main(args) == 0
    seconds = time.monotonic() - started
    assert "已恢复" in capsys.readouterr().out

    # Every item of every table, equal (the source is untouched: nothing ran since the export).
    here = restore.dynamodb(os.environ["DYNAMODB_HOST"], "ap-east-1")
    total = 0
    positions = 0
    for model in ALL_MODELS:
        suffix = table_suffix(model)
        # Positions in the old table's stream are left behind (restore.STREAM_POSITIONS).
        old_stream = restore.STREAM_POSITIONS.get(model.__name__, ())
        want = _items(here, model.Meta.table_name, _ttl(model), drop=old_stream)
        got = _items(target, f"{PREFIX}{suffix}", _ttl(model))
        assert got == want, suffix
        positions += sum(
            1 for i in table_export.scan(here, model.Meta.table_name) if set(old_stream) & set(i)
        )
        assert len(got) == source["counts"][suffix] or _ttl(model), suffix
        total += len(got)
    assert total > 500  # the demo organisation and its activity, not a handful of rows
    assert positions  # the source's comment counters had applied stream records
    restored = table_export.scan(target, f"{PREFIX}comments")
    assert any("\u2028第二行\u2029" in i["text"]["S"] for i in restored)
    # The new streams hold no record of the restored items: the stream's function, attached at
    # TRIM_HORIZON by the switch, would count every restored comment a second time.
    for model in ALL_MODELS:
        if getattr(model.Meta, "stream_view_type", None):
            name = f"{PREFIX}{table_suffix(model)}"
            assert _stream_records(endpoint, target, name) == [], name
    # The restored tables are the models' tables: indexes, streams, TTL, deletion protection.
    members = target.describe_table(TableName=f"{PREFIX}members")["Table"]
    assert {i["IndexName"] for i in members["GlobalSecondaryIndexes"]} >= {"by-branch"}
    assert members["DeletionProtectionEnabled"] is True
    days = target.describe_table(TableName=f"{PREFIX}point-days")["Table"]
    assert days["StreamSpecification"]["StreamEnabled"] is True
    print(f"\nround trip: {len(ALL_MODELS)} tables, {total} items, restore {seconds:.1f} s")

    # A second restore into the same names stops before touching anything.
    with pytest.raises(SystemExit, match="已存在"):
        restore.main(args)

    # The suite's smoke tests against the restored copy, through the API.
    smoke = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests" / "integration").glob("test_*.py")
        if "pytest.mark.smoke" in p.read_text(encoding="utf-8") and p.name != Path(__file__).name
    )
    assert len(smoke) >= 4
    env = {**os.environ, "TEST_DYNAMODB_PORT": str(fresh), "TEST_TABLE_PREFIX": PREFIX}
    env.pop("PYTEST_XDIST_WORKER", None)
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "smoke", "-p", "no:cacheprovider", *smoke],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
    print(f"smoke run on the restored copy: {time.monotonic() - started:.1f} s")


def test_an_export_missing_a_table_or_an_item_is_refused(
    source: dict[str, Any], fresh: int, tmp_path: Path
) -> None:
    """A data file short of its manifest's count, or a table missing from the export, stops the
    restore before any table is made."""
    day = source["day"].isoformat()
    copy = tmp_path / day
    shutil.copytree(source["folder"] / day, copy)
    store, prefix = restore.open_location(str(copy), "ap-east-1")
    exports = restore.read_manifests(store, prefix)
    members = exports["members"]
    entry = members.files[0]
    path = tmp_path / entry["dataFileS3Key"]
    lines = gzip.decompress(path.read_bytes()).decode().splitlines(keepends=True)
    path.write_bytes(gzip.compress("".join(lines[1:]).encode()))
    endpoint = f"http://127.0.0.1:{fresh}"
    with pytest.raises(SystemExit, match="清单说"):
        restore.read_items(store, members)
    with pytest.raises(SystemExit, match="清单说"):
        restore.main(["export", str(copy), "--endpoint", endpoint, "--prefix", "x-r1-"])
    shutil.rmtree(copy / "members")
    with pytest.raises(SystemExit, match="缺少这些表：members"):
        restore.main(["export", str(copy), "--endpoint", endpoint, "--prefix", "x-r1-"])
    assert not [
        t
        for t in restore.dynamodb(endpoint, "ap-east-1").list_tables()["TableNames"]
        if t.startswith("x-r1-")
    ]


def test_binary_and_nested_values_survive_the_format() -> None:
    item = {
        "k": {"S": "党员"},
        "b": {"B": b"\x00\xffdata"},
        "bs": {"BS": [b"a", b"\x01"]},
        "m": {"M": {"inner": {"L": [{"B": b"x"}, {"N": "1.5"}, {"SS": ["甲", "乙"]}]}}},
        "B": {"NULL": True},
    }
    text = json.loads(json.dumps({"Item": table_export.to_json(item)}))
    assert restore.item_from_json(text["Item"]) == item


def test_the_day_of_an_export_names_the_default_prefix() -> None:
    assert restore.new_prefix("prod", date(2026, 12, 2)) == "dangjian-prod-r20261202-"


def test_lines_split_on_the_newline_byte_only() -> None:
    """U+2028, U+2029 and U+0085 inside an item's text stay in its line (str.splitlines() cut
    them), in the dry run's check and in the read alike."""
    text = "第一段\u2028第二段\u2029第三段\u0085完"
    body = "".join(
        json.dumps({"Item": {"k": {"S": f"{n}"}, "t": {"S": text}}}, ensure_ascii=False) + "\n"
        for n in range(3)
    ).encode()
    assert [json.loads(line)["Item"]["t"]["S"] for line in restore.lines(body)] == [text] * 3
    assert restore.lines(b"\n\n") == []


def test_a_restore_stopped_midway_says_what_to_do() -> None:
    plan = restore.Plan("export", "prod", "dangjian-prod-r20261202-", "dangjian-prod-")
    made = ["dangjian-prod-r20261202-members", "dangjian-prod-r20261202-comments"]
    text = "\n".join(restore.failure_advice(plan, made, RuntimeError("throttled")))
    assert "RuntimeError: throttled" in text
    assert "--prefix dangjian-prod-r20261202b-" in text
    for name in made:
        assert f"update-table --table-name {name} --no-deletion-protection-enabled" in text
        assert f"delete-table --table-name {name}" in text
