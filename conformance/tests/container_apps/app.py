"""A tiny app for the container tests: GET /health answers 200, anything else 404 problem+json. How it
misbehaves is set by its image (LISTEN_HOST, EXIT_AT_START), so each failure the kit must explain has an
image of its own."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            status, media_type, body = 200, "application/json", {"status": "ok"}
        else:
            status, media_type = 404, "application/problem+json"
            body = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": f"no {self.path} here"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        print(format % args, flush=True)


if __name__ == "__main__":
    if os.environ.get("EXIT_AT_START"):
        print("config error: SECRET_KEY is not set", flush=True)
        sys.exit(int(os.environ["EXIT_AT_START"]))
    host = os.environ.get("LISTEN_HOST", "0.0.0.0")
    port = int(os.environ.get("PORT", "8080"))
    print(f"listening on {host}:{port}", flush=True)
    ThreadingHTTPServer((host, port), Handler).serve_forever()
