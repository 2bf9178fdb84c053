"""HTTP/1.1 on 127.0.0.1 (keep-alive, Nagle off), a thread per connection, handing requests to api.Api.

stop() ends every connection and joins every thread, so no server thread outlives the emulator."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .api import Api, Request


class _Server(ThreadingHTTPServer):
    # Handler threads are joined by server_close(), after stop() has cut the connections clients keep alive.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, api: Api, port: int) -> None:
        self.api = api
        self.stopping = threading.Event()  # ends every stall fault at once, so stop() never waits for one
        self.open_connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        """End every kept-alive connection, so its handler thread stops waiting for the next request."""
        with self._connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else small keep-alive responses stall ~40 ms on delayed ACKs
    # A connection idle this long is closed (clients reconnect), so a shared emulator's handler threads end soon
    # after the test that opened their connections.
    timeout = 5
    # Answering is not idling: a client slowed by a loaded machine may take longer than `timeout` to drain a big
    # body, which must not be cut short (only the "truncate" fault does that).
    answer_timeout = 300
    server_version = "PinterestEmulator/1.0"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def _serve(self) -> None:
        self.connection.settimeout(self.answer_timeout)
        try:
            self._answer()
        finally:
            self.connection.settimeout(self.timeout)  # back to waiting for the next request

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        response = self.server.api.handle(request)
        if response.delay:
            time.sleep(response.delay)
        if response.action in ("drop", "stall"):
            if response.action == "stall":  # the request was taken; nothing comes back
                self.server.stopping.wait(response.stall)
            self._close()
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.action in ("truncate", "stall_body"):
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            if response.action == "stall_body":  # the rest never comes
                self.server.stopping.wait(response.stall)
            self._close()
            return
        self.wfile.write(response.body)

    def _close(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's naming


class HttpServer:
    def __init__(self, api: Api, port: int = 0) -> None:
        self._server = _Server(api, port)
        self.port = self._server.server_address[1]
        api.origin = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._serve, name="pinterest-emulator", daemon=True)

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # the poll interval bounds how long stop() takes

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.cut_connections()
        self._server.server_close()  # joins the handler threads
        self._thread.join(timeout=5)
