"""Against the stage's services: a real PostgreSQL 15 and a real Redis (PG_PORT, REDIS_PORT)."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg2
import pytest
import redis

from app.core.money import basis_points

MIGRATION = Path(__file__).parents[2] / "migrations" / "001_ledger.sql"


@pytest.fixture
def db():  # type: ignore[no-untyped-def]
    port = int(os.environ.get("PG_PORT", "25432"))
    conn = psycopg2.connect(host="127.0.0.1", port=port, user="dawsos", dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(MIGRATION.read_text())
        cur.execute("TRUNCATE ledger")
    yield conn
    conn.close()


@pytest.fixture
def cache() -> redis.Redis:
    r = redis.Redis(host="127.0.0.1", port=int(os.environ.get("REDIS_PORT", "26379")))
    r.flushdb()
    return r


def test_ledger_reconciles_within_one_basis_point(db) -> None:  # type: ignore[no-untyped-def]
    with db.cursor() as cur:
        cur.execute("INSERT INTO ledger VALUES ('p1', 'AAPL', 1000000), ('p1', 'KO', 250000)")
        cur.execute("SELECT sum(quantity_minor) FROM ledger WHERE portfolio_id = 'p1'")
        (total,) = cur.fetchone()
    assert basis_points(1250000, int(total)) <= 1


def test_no_db_constraint_violation_is_let_through(db) -> None:  # type: ignore[no-untyped-def]
    with db.cursor() as cur, pytest.raises(psycopg2.errors.CheckViolation):
        cur.execute("INSERT INTO ledger VALUES ('p1', 'AAPL', -1)")


def test_alert_cooldown_deduplicates_in_redis(cache: redis.Redis) -> None:
    first = cache.set("alert:p1:drawdown", "1", nx=True, ex=60)
    second = cache.set("alert:p1:drawdown", "1", nx=True, ex=60)
    assert (first, second) == (True, None)


@pytest.mark.slow
def test_full_history_rebuild() -> None:
    pytest.fail("slow tests are left out of the integration stage (-m 'not slow')")
