"""Shared fixtures: the real local stack (DynamoDB Local, chalice local, one origin) on free ports.

The environment is set here, before any test imports `chalicelib`, because PynamoDB reads the
table names and host when the model classes are created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import dynamodb_local
from infra.local_stack import LocalStack, api_environment

ROOT = Path(__file__).resolve().parent.parent

TEST_JWT_KEYS = json.dumps({"test-1": "t" * 48})
# `pytest -m smoke` against tables that exist already (tests/integration/test_restore_round_trip.py
# runs it against a restored copy): the DynamoDB Local listening on TEST_DYNAMODB_PORT, tables
# named with TEST_TABLE_PREFIX. Nothing is started or created there.
TARGET_PORT = os.environ.get("TEST_DYNAMODB_PORT")
TABLE_ENV = {"TABLE_PREFIX": os.environ.get("TEST_TABLE_PREFIX", "dangjian-dev-")}
DDB_PORT = int(TARGET_PORT) if TARGET_PORT else dynamodb_local.free_port()
WEB_PORT = dynamodb_local.free_port()
# The WeCom stand-in (infra/wecom_standin.py, fixture `wecom`) and the site's own origin.
WECOM_PORT = dynamodb_local.free_port()
WECOM_ENV = {
    "WECOM_API_BASE": f"http://127.0.0.1:{WECOM_PORT}",
    "WECOM_CORP_ID": "wwtestcorp",
    "WECOM_AGENT_ID": "1000002",  # the stand-in's application (sign-in, outbox delivery)
    "WECOM_SECRET": "test-corp-secret",
    "SITE_ORIGINS": f"http://127.0.0.1:{WEB_PORT}",
    # Sign-in through WeCom and the Official Account: the stand-in plays both. The browser meets
    # its authorize page as `localhost`, another site than the site's 127.0.0.1, so the round
    # trip crosses sites as it does through open.weixin.qq.com (SameSite rules apply).
    "OAUTH_AUTHORIZE_BASE": f"http://localhost:{WECOM_PORT}",
    "WECHAT_MP_APP_ID": "wxtestmp",
    "WECHAT_MP_SECRET": "test-mp-secret",
    "WECHAT_MP_API_BASE": f"http://127.0.0.1:{WECOM_PORT}",
}
# The stand-in's own configuration of the OAuth part (infra/wecom_standin.OAuthStandIn).
WECOM_OAUTH = {
    "agent_id": WECOM_ENV["WECOM_AGENT_ID"],
    "mp_app_id": WECOM_ENV["WECHAT_MP_APP_ID"],
    "mp_secret": WECOM_ENV["WECHAT_MP_SECRET"],
}
# The S3 stand-in (infra/s3_standin.py, fixture `s3`): the uploads bucket of files from phones.
S3_PORT = dynamodb_local.free_port()
S3_ENV = {"S3_ENDPOINT": f"http://127.0.0.1:{S3_PORT}", "UPLOADS_BUCKET": "dangjian-test-uploads"}
# 微党课 media (chalicelib/media_uploads.py): the stand-in's media bucket, /media/* on the site.
S3_ENV["MEDIA_BUCKET"] = "dangjian-test-media"
WECOM_ENV.update(S3_ENV)
WECOM_ENV.update(TABLE_ENV)
# The suite's API takes a write budget no test's pace reaches: the fuzz test sends dozens of
# writes a second as one member. tests/integration/test_observability.py tests the budget on
# an API of its own with a small one.
WECOM_ENV["WRITE_BUDGET_LIMIT"] = "1000000"
os.environ.update(api_environment(DDB_PORT, TEST_JWT_KEYS, **WECOM_ENV))


@pytest.fixture(scope="session")
def dynamodb() -> Iterator[int]:
    """DynamoDB Local in memory, with every table created from the models."""
    if TARGET_PORT:  # the tables of another run (a restored copy): used as they are
        yield DDB_PORT
        return
    proc = dynamodb_local.start(DDB_PORT)
    from tools.tables import create_all

    create_all()
    yield DDB_PORT
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def clean_tables(dynamodb: int) -> None:
    from infra import stream_poller
    from tools.tables import truncate_all

    truncate_all()
    stream_poller.skip()  # what the stream holds is of the tables just emptied


@pytest.fixture(scope="session")
def stack(dynamodb: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The API behind `chalice local` and a site folder, on one origin like CloudFront."""
    s = LocalStack(
        ddb_port=dynamodb,
        api_port=dynamodb_local.free_port(),
        web_port=WEB_PORT,
        site=tmp_path_factory.mktemp("site"),
        env=api_environment(dynamodb, TEST_JWT_KEYS, **WECOM_ENV),
    )
    s.start_api()
    s.start_web()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def wecom() -> Iterator[object]:
    """The WeCom stand-in on the port the API's settings name (tokens and counters reset by
    `POST /_standin/reset`)."""
    from infra import wecom_standin

    server = wecom_standin.serve(
        WECOM_PORT, WECOM_ENV["WECOM_CORP_ID"], WECOM_ENV["WECOM_SECRET"], **WECOM_OAUTH
    )
    yield server
    server.shutdown()


@pytest.fixture(scope="session")
def s3() -> Iterator[str]:
    """The S3 stand-in (moto's server) with the uploads bucket the API's settings name; yields
    its endpoint."""
    from infra import s3_standin

    # A process of its own: moto keeps its state in module globals, and the deploy test runs
    # moto in this process too (tests/integration/test_deploy_moto.py), which would otherwise
    # reset this bucket away under whichever test runs next in the same worker.
    origins = [WECOM_ENV["SITE_ORIGINS"]]
    server = subprocess.Popen(
        [sys.executable, "-m", "infra.s3_standin", str(S3_PORT), *origins],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        dynamodb_local.wait_for_port(S3_PORT, timeout=60)
        s3_standin.make_bucket(S3_ENV["S3_ENDPOINT"], origins, bucket=S3_ENV["UPLOADS_BUCKET"])
        s3_standin.make_media_bucket(S3_ENV["S3_ENDPOINT"], origins, S3_ENV["MEDIA_BUCKET"])
        yield S3_ENV["S3_ENDPOINT"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def approve_all_content() -> None:
    """Every article of content/ approved as it is now (its files too), straight into the
    published-versions table that the build's review gate reads, so a build shows the full site."""
    from tools.review import publish_as_is

    publish_as_is(ROOT / "content")


@pytest.fixture
def approved_content(dynamodb: int) -> None:
    approve_all_content()


@pytest.fixture(scope="session")
def site(stack: LocalStack) -> LocalStack:
    """The stack with the Pelican site built (dev settings) into the folder it serves, all of
    content/ approved (approve_all_content)."""
    approve_all_content()
    subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-q", "-o", str(stack.site)],
        cwd=ROOT,
        check=True,
    )
    return stack


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch):
    """`at("2027-03-01T02:00:00")` sets the server's clock to that UTC time (Beijing is 8 hours
    ahead); use dates in the future, so no TTL removes what a test wrote."""
    from datetime import UTC, datetime

    from chalicelib import clock

    def move(iso_utc: str) -> None:
        stamp = datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).timestamp()
        monkeypatch.setattr(clock, "now", lambda: stamp)

    return move


@pytest.fixture
def stream_batches(monkeypatch: pytest.MonkeyPatch):
    """`stream_batches(Model)`: every batch the local poller hands that table's stream function
    from now on, kept for replays."""

    def keep_for(model: type) -> list:
        from infra import stream_poller

        seen: list = []
        poller = next(p for p in stream_poller.pollers() if p.table == model.Meta.table_name)
        real = poller.handler

        def keep(records: list) -> object:
            seen.append(records)
            return real(records)

        monkeypatch.setattr(poller, "handler", keep)
        return seen

    return keep_for


@pytest.fixture
def fails_once(monkeypatch: pytest.MonkeyPatch):
    """`fails_once(module, "name", why)`: the first call of module.name raises RuntimeError(why),
    as a Lambda dying between two writes would; later calls go through. Returns the call count."""

    def patch(owner: object, name: str, why: str) -> dict[str, int]:
        real = getattr(owner, name)
        calls = {"n": 0}

        def flaky(*args: object, **kwargs: object) -> object:
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError(why)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, flaky)
        return calls

    return patch


# --- 微党课 media (issue 19, helper "media") -------------------------------------------------


@pytest.fixture(scope="session")
def demo_media(s3: str) -> dict[str, str]:
    """tools/demo_media/* stored in the stand-in's media bucket as a checked upload leaves them
    (`media/<sha256>.<ext>`, its type, the year-long cache), straight, without the API: file name
    → its site path (`/media/<sha256>.<ext>`, served by the `stack`/`site` dev server with
    ranges). tests/integration/test_media_uploads_api.py tests the way there."""
    import hashlib

    from chalicelib import lesson_rules, media_check, media_uploads
    from infra import s3_standin

    client = s3_standin.client(s3)
    out = {}
    for path in sorted((ROOT / "tools" / "demo_media").iterdir()):
        kind = lesson_rules.BY_EXT.get(path.suffix.lstrip("."))
        if kind is None:
            continue
        data = path.read_bytes()
        name = f"{hashlib.sha256(data).hexdigest()}.{kind.ext}"
        client.put_object(
            Bucket=S3_ENV["MEDIA_BUCKET"],
            Key=lesson_rules.media_key(name),
            Body=data,
            ContentType=kind.content_type,
            CacheControl=media_uploads.CACHE_CONTROL,
            Metadata={"duration": str(media_check.inspect(data).seconds)},
        )
        out[path.name] = lesson_rules.MEDIA_URL_PREFIX + name
    return out
