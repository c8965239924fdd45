"""Run a command against some tables: `python infra/with_env.py [--stage S --region R] CMD`.

Without `--stage`: the tables of the `make dev` running now (DynamoDB Local, at the ports it
wrote in var/dev-stack.json; a message in Chinese when none runs). With it: the stage's tables in
AWS (`dangjian-<stage>-*`, the caller's AWS credentials), as registry imports, the review
commands and `make publish` need.
"""

from __future__ import annotations

import argparse
import os
import sys

from infra.dev import running_environment


def stage_environment(stage: str, region: str) -> dict[str, str]:
    """The stage's tables: its TABLE_PREFIX as config.json says (after a restore's switch, the
    restored tables' prefix, e.g. `dangjian-prod-r20261202-`)."""
    from infra.template import stage_environment as chalice_environment

    env = {k: v for k, v in os.environ.items() if k != "DYNAMODB_HOST"}
    prefix = chalice_environment(stage)["TABLE_PREFIX"]
    return {**env, "TABLE_PREFIX": prefix, "AWS_DEFAULT_REGION": region}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=("dev", "prod"))
    parser.add_argument("--region", default=os.environ.get("AWS_REGION") or "ap-east-1")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if not args.command:
        sys.exit("usage: python infra/with_env.py [--stage S --region R] CMD [ARGS...]")
    if args.stage:
        env = stage_environment(args.stage, args.region)
    else:
        env = {**os.environ, **running_environment()}
    os.execvpe(args.command[0], args.command, env)
