"""Run a command against the tables of `make dev`: `python infra/with_local_env.py CMD ...`."""

from __future__ import annotations

import os
import sys

from dev import dev_environment

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python infra/with_local_env.py CMD [ARGS...]")
    os.execvpe(sys.argv[1], sys.argv[1:], {**os.environ, **dev_environment()})
