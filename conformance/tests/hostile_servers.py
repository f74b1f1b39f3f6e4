"""Servers that misbehave at the HTTP level, each in a thread on a free port of 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from servers import free_port

HTML_ERROR_PAGE = b"<!DOCTYPE html><html><body><h1>Internal Server Error</h1><pre>Traceback ...</pre></body></html>"


class _HtmlErrorPages(BaseHTTPRequestHandler):
    """Answers every request like a framework in debug mode after a crash."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(500)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(HTML_ERROR_PAGE)))
        self.end_headers()
        self.wfile.write(HTML_ERROR_PAGE)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (quiet)
        pass


@contextmanager
def html_error_pages() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlErrorPages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def _socket_server(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    connections: list[socket.socket] = []

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            connections.append(connection)
            threading.Thread(target=handle, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        for connection in connections:
            connection.close()
        listener.close()


def never_answers() -> Iterator[str]:
    """Accepts connections and reads the request, then says nothing."""
    return _socket_server(lambda connection: connection.recv(65536))


@contextmanager
def refuses_connections() -> Iterator[str]:
    """Nothing listens on the port."""
    yield f"http://127.0.0.1:{free_port()}"
