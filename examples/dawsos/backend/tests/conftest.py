"""Options the seed's commands pass: --hypothesis-profile=ci, --golden-update, --base-url."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# timing checks off: CI machines are shared and their load is not the code's speed
QUIET = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=1000, **QUIET)
settings.register_profile("dev", max_examples=50, **QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--golden-update", default="never", choices=["never", "always"])
    parser.addoption("--base-url", default=os.environ.get("DAWSOS_BASE_URL", "http://127.0.0.1:25200"))


@pytest.fixture
def golden_update(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--golden-update"))


@pytest.fixture
def base_url(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--base-url")).rstrip("/")
