"""Faults of the real services: a Redis the test starts itself on a spare
port, paused (SIGSTOP: hung, not dead) or gone, under the real PostgreSQL.

- paused: widgets answer from the database within 1 s (socket timeouts, and the
  breaker that stops waiting on a Redis known to be down);
- a block made while Redis is unreachable is honoured at once after it returns
  (the first successful call bumps every token before anything cached is read);
- dead: one warning per outage, not one (or fourteen) per request.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.test import override_settings

from tests import factories
from tests.environment import tcp_open
from upcross import cache
from upcross.analytics import counters

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="redis-server is not installed"),
]

#: What the README documents for the cache (socket timeouts in seconds).
SOCKET_TIMEOUT = 0.25
WIDGET = "{% upcross_complements product %}"


def spare_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A throwaway redis-server on a spare port, which the test may pause or stop."""

    def __init__(self, directory: str) -> None:
        self.port = spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.paused = False
        self.start()

    def start(self) -> None:
        """Start (again): the data saved at the last stop is loaded back, as in production."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.directory, "--save", "3600 1", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not tcp_open("127.0.0.1", self.port, timeout=0.2):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        """SIGTERM: Redis saves its data and exits; connections are refused until start()."""
        if self.paused:
            self.resume()
        self.process.terminate()
        self.process.wait(timeout=10)

    def caches(self) -> dict[str, Any]:
        return {"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": self.url, "KEY_PREFIX": f"faults-{os.getpid()}",
            "OPTIONS": {"socket_connect_timeout": SOCKET_TIMEOUT,
                        "socket_timeout": SOCKET_TIMEOUT},
        }}


@pytest.fixture
def redis(tmp_path: Any) -> Iterator[OwnRedis]:
    server = OwnRedis(str(tmp_path))
    try:
        with override_settings(CACHES=server.caches()):
            caches["default"].clear()
            yield server
    finally:
        if server.process.poll() is None:
            server.stop()
        caches["default"].close()


@pytest.fixture
def fast_probe(monkeypatch: pytest.MonkeyPatch) -> float:
    """Breakers probe again after 0.2 s instead of 5 s (the test need not wait)."""
    monkeypatch.setattr(cache.breaker, "retry_seconds", 0.2)
    monkeypatch.setattr(counters.breaker, "retry_seconds", 0.2)
    return 0.2


@pytest.fixture
def pair() -> tuple[Any, Any, Any]:
    phone = factories.product("Phone", "300.00")
    case = factories.product("Phone case", "20.00")
    relation = factories.relation(phone, case, position=1)
    return phone, case, relation


def render(product: Any) -> tuple[str, float]:
    started = time.perf_counter()
    html = factories.render_tags(WIDGET, product=product)
    return html, time.perf_counter() - started


def test_a_paused_redis_leaves_pages_answering_from_the_database(
        redis: OwnRedis, pair: tuple[Any, Any, Any]) -> None:
    phone, _case, _relation = pair
    html, _ = render(phone)
    assert "Phone case" in html
    redis.pause()
    timings = []
    for _ in range(6):
        html, elapsed = render(phone)
        assert "Phone case" in html  # served from the database
        timings.append(elapsed)
    print("render with a paused Redis, s:", [round(t, 3) for t in timings])
    assert max(timings) < 1.0, timings
    # after the first, the breaker answers without waiting on the socket
    assert sorted(timings)[len(timings) // 2] < SOCKET_TIMEOUT, timings


def test_a_block_made_during_an_outage_is_honoured_when_redis_returns(
        redis: OwnRedis, pair: tuple[Any, Any, Any], fast_probe: float) -> None:
    phone, _case, relation = pair
    assert "Phone case" in render(phone)[0]  # cached now
    redis.stop()  # down: connections refused
    relation.status = "blocked"
    relation.save()  # its invalidation cannot reach Redis: lost
    assert "Phone case" not in render(phone)[0]  # the database says blocked
    redis.start()  # back, with the data it had (saved at shutdown)
    # The entry and HTML cached before the outage are back in Redis, stamped with the
    # token the lost invalidation could not change: serving them would be stale.
    assert caches["default"].get(cache.entry_key(phone.pk)) is not None
    time.sleep(fast_probe * 1.5)
    for _ in range(3):
        assert "Phone case" not in render(phone)[0]


def test_a_change_while_redis_hangs_is_not_served_after_it_resumes(
        redis: OwnRedis, pair: tuple[Any, Any, Any], fast_probe: float) -> None:
    phone, _case, relation = pair
    assert "Phone case" in render(phone)[0]
    redis.pause()  # hung: connects, never answers
    relation.status = "blocked"
    relation.save()
    assert "Phone case" not in render(phone)[0]
    redis.resume()
    time.sleep(fast_probe * 1.5)
    for _ in range(3):
        assert "Phone case" not in render(phone)[0]


def test_a_dead_redis_logs_one_warning_per_outage(
        redis: OwnRedis, pair: tuple[Any, Any, Any], caplog: pytest.LogCaptureFixture) -> None:
    phone, _case, _relation = pair
    render(phone)
    redis.stop()
    with caplog.at_level(logging.WARNING):
        for _ in range(10):
            assert "Phone case" in render(phone)[0]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    print("warnings over 10 requests:", [r.getMessage()[:80] for r in warnings])
    assert 1 <= len(warnings) <= 2, [r.getMessage() for r in warnings]  # cache, counters
    assert len({r.getMessage().split(" unreachable")[0] for r in warnings}) == len(warnings)
