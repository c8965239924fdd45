"""`chalice local` as the local stack runs it: `python infra/chalice_local.py local --port ...`.

Two differences from the plain command, both about bursts of parallel requests (the vote tests
send 100 at once), which API Gateway and Lambda absorb but a single local process does not:
- a listen backlog of 128 instead of Python's default 5, which would refuse most of a burst;
- the process's one DynamoDB client built before serving. A Lambda container serves one request
  at a time; here the first burst would otherwise wait for it on the lock that builds it, which
  on a busy machine takes longer than the proxy waits.

And one about its output: no access-log line of http.server (the sent path with its query
string, in a format of its own). The app's JSON request line (chalicelib/observe.py) says what
happened, as it does in Lambda.
"""

from __future__ import annotations

import sys

import chalice.cli
import chalice.local


def warm_clients() -> None:
    import chalicelib.models  # noqa: F401 - points every model at the shared client
    from chalicelib.models.base import dynamodb_client

    dynamodb_client()


def _no_access_log(*_args: object) -> None:
    pass


if __name__ == "__main__":
    chalice.local.ThreadedHTTPServer.request_queue_size = 128
    chalice.local.ChaliceRequestHandler.log_message = _no_access_log  # type: ignore[method-assign]
    warm_clients()
    sys.argv[0] = "chalice"
    sys.exit(chalice.cli.main())
