"""Install and run DynamoDB Local (the official AWS emulator) for development and tests.

The jar ships inside the npm package `amplify-dynamodb-simulator`; we fetch it with `npm pack` into
`.cache/` once. Used as a module (`start(...)`) by the tests and `infra/dev.py`, and as a command:
`python infra/dynamodb_local.py install`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tarfile
import time
from pathlib import Path

PACKAGE = "amplify-dynamodb-simulator@2.9.30"
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "dynamodb-local"
EMULATOR = CACHE / "package" / "emulator"


def install() -> Path:
    """Return the emulator folder, fetching the npm package on first use."""
    if (EMULATOR / "DynamoDBLocal.jar").exists():
        return EMULATOR
    if shutil.which("java") is None:
        raise RuntimeError("需要 Java 17:apt-get install -y openjdk-17-jre-headless")
    CACHE.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        ["npm", "pack", PACKAGE, "--silent"], cwd=CACHE, check=True, capture_output=True, text=True
    )
    tarball = CACHE / out.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as tar:
        tar.extractall(CACHE, filter="data")
    tarball.unlink()
    return EMULATOR


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def start(port: int, data_dir: Path | None = None) -> subprocess.Popen:
    """Start DynamoDB Local on 127.0.0.1:port; in memory unless a data folder is given."""
    emulator = install()
    storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            "java",
            "-Djava.library.path=./DynamoDBLocal_lib",
            "-jar",
            "DynamoDBLocal.jar",
            "-sharedDb",
            *storage,
            "-port",
            str(port),
        ],
        cwd=emulator,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, proc=proc)
    return proc


if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        print(install())
    else:
        sys.exit("usage: python infra/dynamodb_local.py install")
