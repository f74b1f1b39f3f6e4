"""A tiny app for the container tests: GET /health answers 200, another method on it 405 problem+json,
anything else 404 problem+json. How it
misbehaves is set by its image (LISTEN_HOST, EXIT_AT_START), so each failure the kit must explain has an
image of its own."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            self._answer(200, "application/json", {"status": "ok"})
        else:
            self._not_found()

    def do_other(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != "/health":
            self._not_found()
            return
        problem = {"type": "about:blank", "title": "Method Not Allowed", "status": 405,
                   "detail": f"{self.command} is not allowed on /health"}
        self._answer(405, "application/problem+json", problem, {"Allow": "GET"})

    do_POST = do_PUT = do_PATCH = do_DELETE = do_other

    def _not_found(self) -> None:
        body = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": f"no {self.path} here"}
        self._answer(404, "application/problem+json", body)

    def _answer(self, status: int, media_type: str, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
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
