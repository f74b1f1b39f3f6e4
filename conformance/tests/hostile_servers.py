"""Servers that misbehave at the HTTP level, each in a thread on a free port of 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
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


def _byte_a_second(connection: socket.socket) -> None:
    connection.recv(65536)
    answer = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{"status":"ok"}'
    for byte in answer:
        try:
            connection.sendall(bytes([byte]))
        except OSError:
            return
        time.sleep(1)


def byte_a_second() -> Iterator[str]:
    """A correct answer, one byte a second: every read succeeds, the answer never completes in time."""
    return _socket_server(_byte_a_second)


def _closes_mid_body(connection: socket.socket) -> None:
    connection.recv(65536)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"sta")
    connection.close()


def closes_mid_body() -> Iterator[str]:
    """Promises 1000 bytes, sends a few, and hangs up."""
    return _socket_server(_closes_mid_body)


def _garbage(connection: socket.socket) -> None:
    connection.recv(65536)
    connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\x00\xff\xfe garbage \x01\x02\r\n")
    connection.close()


def speaks_garbage() -> Iterator[str]:
    """Answers with bytes that are not HTTP (as another protocol's server would)."""
    return _socket_server(_garbage)


def _read_request(connection: socket.socket) -> bytes:
    """The request line, headers and Content-Length body of one request."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += connection.recv(65536)
    return head


def _level_0_answer(head: bytes) -> bytes:
    method, path = head.split(b" ", 2)[:2]
    if path == b"/health" and method == b"GET":
        status, content_type, body = b"200 OK", b"application/json", b'{"status":"ok"}'
    elif path == b"/health":
        status, content_type, body = b"405 Method Not Allowed", b"application/problem+json", \
            b'{"type":"about:blank","title":"Method Not Allowed","status":405,"detail":"GET only"}'
    else:
        status, content_type, body = b"404 Not Found", b"application/problem+json", \
            b'{"type":"about:blank","title":"Not Found","status":404,"detail":"no such path"}'
    return (b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type + b"\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


def _one_answer_per_connection(connection: socket.socket) -> None:
    head = _read_request(connection)
    if head:
        connection.sendall(_level_0_answer(head))
        connection.recv(1, socket.MSG_PEEK)  # the next request arrives, unread: close() resets it
    connection.close()


def one_answer_per_connection() -> Iterator[str]:
    """Answers level 0 correctly, but only the first request of each connection: when the next one arrives
    it closes the connection without reading it or saying so, as a server may (hyper does after an answer
    that left the request body unread)."""
    return _socket_server(_one_answer_per_connection)


def _huge_body(connection: socket.socket) -> None:
    connection.recv(65536)
    size = 100 * 1024 * 1024
    chunk = b" " * 65536
    try:
        connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode())
        for _ in range(size // len(chunk)):
            connection.sendall(chunk)
    except OSError:
        pass  # the client stopped reading, as it should


def answers_100_mb() -> Iterator[str]:
    """A 100 MB body for every request, streamed without holding it in memory."""
    return _socket_server(_huge_body)


class _RedirectLoop(_HtmlErrorPages):
    def _answer(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PATCH = do_DELETE = _answer


@contextmanager
def redirects_in_a_loop() -> Iterator[str]:
    """Every request is redirected to itself."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RedirectLoop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def refuses_connections() -> Iterator[str]:
    """Nothing listens on the port."""
    yield f"http://127.0.0.1:{free_port()}"
