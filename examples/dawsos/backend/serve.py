"""Serves the DawsOS sample API on 127.0.0.1:$PORT (the local target starts one per instance)."""

from __future__ import annotations

import os
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.api.routes import Api
from app.services.pricing import PackStore

api = Api(os.environ.get("RELEASE_VERSION", "dev"), PackStore())
api.build_pack("pack-2025-10-21", {"AAPL": Decimal("178.72"), "KO": Decimal("56.30")})


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, kind, body = api.handle("GET", self.path)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
