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
