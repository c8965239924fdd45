"""The local mirror of the AWS stack: DynamoDB Local, `chalice local` and one origin in front.

Shared by `make dev` (infra/dev.py) and the integration and end-to-end tests: both run the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from infra import dev_server, dynamodb_local

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"


def api_environment(ddb_port: int, jwt_keys: str, **extra: str) -> dict[str, str]:
    """Environment for anything that talks to the local tables (tools, tests, chalice local)."""
    return {
        "DYNAMODB_HOST": f"http://127.0.0.1:{ddb_port}",
        "AWS_DEFAULT_REGION": "ap-east-1",
        # DynamoDB Local accepts any credentials; boto needs some to sign requests.
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "TABLE_PREFIX": "dangjian-dev-",  # the dev stage's prefix (chalice local sets it too)
        "JWT_KEYS": jwt_keys,
        "COOKIE_SECURE": "false",
        **extra,
    }


# `chalice local` for bursts of parallel requests (infra/chalice_local.py says how and why).
_CHALICE_LOCAL = Path(__file__).resolve().parent / "chalice_local.py"


@dataclass
class LocalStack:
    ddb_port: int
    api_port: int
    web_port: int
    site: Path
    env: dict[str, str]
    data_dir: Path | None = None  # None: DynamoDB Local in memory (tests)
    procs: list[subprocess.Popen] = field(default_factory=list)
    server: object = None
    # Where the API's output (its JSON log lines) goes; None: this process's own stdout.
    output: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start_database(self) -> None:
        self.procs.append(dynamodb_local.start(self.ddb_port, self.data_dir))

    def start_api(self) -> None:
        quiet = os.environ.get("CI")
        sink = self.output.open("ab") if self.output else None
        proc = subprocess.Popen(
            [
                *(sys.executable, str(_CHALICE_LOCAL)),
                *("local", "--host", "127.0.0.1", "--port", str(self.api_port)),
                *("--stage", "dev", "--no-autoreload"),
            ],
            cwd=FUNCTIONS,
            env={**os.environ, **self.env},
            stdout=sink or (subprocess.DEVNULL if quiet else None),
            stderr=subprocess.STDOUT if sink or quiet else None,
        )
        if sink:
            sink.close()  # the child holds its own descriptor
        self.procs.append(proc)
        dynamodb_local.wait_for_port(self.api_port, timeout=60, proc=proc)

    def start_web(self) -> None:
        # `/media/*` from the S3 stand-in's media bucket, when the environment names one.
        endpoint, bucket = self.env.get("S3_ENDPOINT"), self.env.get("MEDIA_BUCKET")
        media = (endpoint, bucket) if endpoint and bucket else None
        self.server = dev_server.serve(self.web_port, self.site, self.api_port, media)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()
