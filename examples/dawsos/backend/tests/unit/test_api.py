import json
from decimal import Decimal

import pytest

from app.api.routes import Api
from app.services.pricing import PackStore


def api() -> Api:
    a = Api("v9", PackStore())
    a.build_pack("pack-1", {"KO": Decimal("56.30")})
    return a


def test_health_names_the_version() -> None:
    status, _, body = api().handle("GET", "/health")
    assert (status, json.loads(body)) == (200, {"status": "healthy", "version": "v9"})


def test_latest_pack() -> None:
    status, _, body = api().handle("GET", "/v1/pricing/latest")
    assert (status, json.loads(body)) == (200, {"pricing_pack_id": "pack-1"})


def test_no_pack_yet() -> None:
    assert Api("v", PackStore()).handle("GET", "/v1/pricing/latest")[0] == 503


def test_a_failed_pack_build_is_counted_in_metrics() -> None:
    a = api()
    with pytest.raises(ValueError):
        a.build_pack("pack-1", {})
    assert "pricing_pack_build_failures_total 1\n" in a.handle("GET", "/metrics")[2]


def test_unknown_route_and_method() -> None:
    assert api().handle("GET", "/nope")[0] == 404
    assert api().handle("POST", "/health")[0] == 405
