"""Fixtures for the cold-start tests: local servers in threads (stopped at teardown), inputs, configs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cold_start_helpers import http_config, r1_like_reply, write_input

from data_pipeline.chat import Completion
from data_pipeline.local_server import ChatServer, ScriptedBackend


@pytest.fixture
def start_server() -> Iterator[Callable[..., ChatServer]]:
    """Start ChatServers in background threads; all are stopped at teardown."""
    servers: list[ChatServer] = []

    def start(responder: Callable[..., Completion] = r1_like_reply, latency_s: float = 0.0, **options: Any):
        server = ChatServer(ScriptedBackend(responder, latency_s), **options)
        server.start_in_thread()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop_thread()


@pytest.fixture
def make_input() -> Callable[..., Path]:
    return write_input


@pytest.fixture
def make_config() -> Callable[..., dict[str, Any]]:
    return http_config
