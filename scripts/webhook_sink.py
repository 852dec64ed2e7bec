#!/usr/bin/env python3
"""A tiny webhook receiver that prints each notification it gets (for the demo cluster)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.end_headers()
        try:
            doc = json.loads(body)
            alerts = ", ".join(
                a["labels"].get("alertname", "?") + "/" + a["status"] for a in doc["alerts"]
            )
            line = f"{time.strftime('%H:%M:%S')} {self.path} receiver={doc['receiver']} status={doc['status']} alerts=[{alerts}]"
        except (ValueError, KeyError):
            line = f"{time.strftime('%H:%M:%S')} {self.path} {body[:200]!r}"
        print(line, flush=True)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", default="127.0.0.1:19095")
    args = parser.parse_args()
    host, port = args.listen.rsplit(":", 1)
    server = ThreadingHTTPServer((host, int(port)), Sink)
    print(f"webhook sink listening on http://{args.listen}", file=sys.stderr, flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
