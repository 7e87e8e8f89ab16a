"""Against the release deployed to staging (--base-url)."""

from __future__ import annotations

import json
import urllib.request

import pytest


def get(url: str) -> tuple[int, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=5) as res:  # nosec B310 - the test's own staging URL
        return res.status, json.loads(res.read())


@pytest.mark.smoke
def test_health(base_url: str) -> None:
    assert get(f"{base_url}/health")[1]["status"] == "healthy"


@pytest.mark.smoke
def test_pack_build_completes_in_staging(base_url: str) -> None:
    status, body = get(f"{base_url}/v1/pricing/latest")
    assert status == 200 and body["pricing_pack_id"].startswith("pack-")


def test_multi_currency_valuation(base_url: str) -> None:
    assert get(f"{base_url}/health")[0] == 200


def test_rls_user_isolation(base_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        get(f"{base_url}/v1/portfolios/other-user")
    assert err.value.code == 404
