"""`make dev` on a busy port says which variable moves it, in Chinese, before starting anything."""

from __future__ import annotations

import socket

from infra import dev
from infra.dynamodb_local import free_port


def test_a_busy_port_names_the_variable_to_change():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports = {"ddb": free_port(), "api": port, "web": free_port()}
        (message,) = dev.busy_ports(ports)
    assert f"端口 {port} 已被占用（API_PORT）" in message
    assert f"API_PORT={port + 100} make dev" in message
    assert dev.busy_ports({"ddb": free_port()}) == []


def test_commands_find_the_running_stack_or_say_none_runs(tmp_path, monkeypatch):
    """`make review` and friends use the ports `make dev` wrote down; with no stack running they
    say so in Chinese instead of a connection error from deep in botocore."""
    import json

    import pytest

    monkeypatch.setattr(dev, "VAR", tmp_path)
    monkeypatch.setattr(dev, "SECRETS", tmp_path / "dev-secrets.json")
    monkeypatch.setattr(dev, "RUNNING", tmp_path / "dev-stack.json")
    idle = free_port()
    (tmp_path / "dev-stack.json").write_text(json.dumps({"ddb": idle, "api": 1, "web": 2}))
    with pytest.raises(SystemExit) as stopped:
        dev.running_environment()
    assert "本地环境没有运行" in str(stopped.value) and "make dev" in str(stopped.value)
    with socket.socket() as ddb:
        ddb.bind(("127.0.0.1", 0))
        ddb.listen()
        port = ddb.getsockname()[1]
        (tmp_path / "dev-stack.json").write_text(json.dumps({"ddb": port, "api": 1, "web": 2}))
        env = dev.running_environment()
    assert env["DYNAMODB_HOST"] == f"http://127.0.0.1:{port}"
