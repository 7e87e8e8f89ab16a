"""The HTTP API as a pure function of method and path, so it is tested without a socket."""

from __future__ import annotations

import json
from decimal import Decimal

from app.services.pricing import PackStore, PricingPack


class Api:
    """Answers /health, /v1/pricing/latest and /metrics for one release."""

    def __init__(self, version: str, store: PackStore) -> None:
        self.version = version
        self.store = store
        self.pack_failures = 0

    def build_pack(self, pack_id: str, prices: dict[str, Decimal]) -> None:
        try:
            self.store.append(PricingPack(pack_id, tuple(sorted(prices.items()))))
        except ValueError:
            self.pack_failures += 1
            raise

    def handle(self, method: str, path: str) -> tuple[int, str, str]:
        """Status, content type and body."""
        if method != "GET":
            return 405, "application/json", json.dumps({"error": "method not allowed"})
        if path == "/health":
            return 200, "application/json", json.dumps({"status": "healthy", "version": self.version})
        if path == "/v1/pricing/latest":
            try:
                pack = self.store.latest()
            except LookupError as err:
                return 503, "application/json", json.dumps({"error": str(err)})
            return 200, "application/json", json.dumps({"pricing_pack_id": pack.pack_id})
        if path == "/metrics":
            text = (
                "# TYPE pricing_pack_build_failures_total counter\n"
                f"pricing_pack_build_failures_total {self.pack_failures}\n"
            )
            return 200, "text/plain; version=0.0.4", text
        return 404, "application/json", json.dumps({"error": f"no route {path}"})
