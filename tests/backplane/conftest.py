"""Fixtures of the backplane tests: a real ``redis-server`` on a free loopback port.

Where no ``redis-server`` is installed the tests skip, naming the Debian package; under CI
(``$CI`` set) they fail instead, so that a missing install cannot pass unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fnc_websocket.testing.redis_server import (
    REDIS_PACKAGE_HINT,
    RedisServer,
    find_redis_server,
)


def _require_redis() -> None:
    pytest.importorskip("redis", reason="redis-py missing: pip install fnc-websocket[redis]")
    if find_redis_server() is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the backplane tests: {REDIS_PACKAGE_HINT}")
        pytest.skip(REDIS_PACKAGE_HINT)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A started ``redis-server`` (persistence off), stopped and removed afterwards."""
    _require_redis()
    server = RedisServer()
    try:
        yield server.start()
    finally:
        server.close()


@pytest.fixture
def redis_server_factory() -> Iterator[type[RedisServer]]:
    """Make more servers (``factory(password=...)``); each is closed afterwards."""
    _require_redis()
    made: list[RedisServer] = []

    def factory(**kwargs: object) -> RedisServer:
        server = RedisServer(**kwargs)  # type: ignore[arg-type]
        made.append(server)
        return server

    try:
        yield factory  # type: ignore[misc]
    finally:
        for server in made:
            server.close()
