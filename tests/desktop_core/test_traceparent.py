"""One request followed from the tablet to the database: the desktop's connection sends a
`traceparent` with each request; a real server process with FLLC_OTLP_ENDPOINT exports its spans by
OTLP/HTTP to a receiver in this test process, which decodes the protobuf (opentelemetry-proto):
the server's span continues the desktop's trace, and the SQL the request ran is in the same trace."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from fllc_server.testing import ServerProcess
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from fllc_desktop.api.connection import LOGIN, ServerConnection
from fllc_desktop.api.tokens import RefreshTokenVault, TokenStore

SECRET = "traceparent-test-secret-" + "x" * 32
PASSWORD = "correct-horse-9"


class Receiver(BaseHTTPRequestHandler):
    spans: list[tuple[str, str, dict[str, str]]] = []  # (trace id, span name, string attributes)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                for span in scope.spans:
                    attributes = {a.key: a.value.string_value for a in span.attributes}
                    Receiver.spans.append((span.trace_id.hex(), span.name, attributes))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


class Recording(httpx.HTTPTransport):
    """The real transport; remembers the headers of what it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Headers] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.headers)
        return super().handle_request(request)


def test_a_desktop_request_is_traced_down_to_sql(tmp_path: Path) -> None:
    collector = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    server = ServerProcess(
        tmp_path / "server",
        SECRET,
        extra_env={
            "FLLC_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.server_port}",
            "OTEL_BSP_SCHEDULE_DELAY": "100",  # export every 0.1 s instead of 5 s
            "FLLC_LOG_LEVEL": "INFO",
        },
    )
    server.start()
    try:
        server.create_user("clerk", "staff", PASSWORD)
        transport = Recording()
        connection = ServerConnection(
            server.url, TokenStore(RefreshTokenVault(server.url)), transport=transport
        )
        try:
            connection.call_anonymous("POST", LOGIN, json={"username": "clerk", "password": PASSWORD})
        finally:
            connection.close()
        traceparent = transport.sent[-1]["traceparent"]
        assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", traceparent)
        trace_id = traceparent.split("-")[1]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ours = [span for span in Receiver.spans if span[0] == trace_id]
            done = "POST /api/v1/auth/login" in [name for _, name, _ in ours]  # the server span ends last
            if done and any(attrs.get("db.system") == "sqlite" for _, _, attrs in ours):
                break
            time.sleep(0.1)
    finally:
        server.stop()
        collector.shutdown()
        collector.server_close()  # its listening socket
    names = [name for _, name, _ in ours]
    assert "POST /api/v1/auth/login" in names, names
    assert any(attrs.get("db.system") == "sqlite" for _, _, attrs in ours), ours
    assert trace_id in server.log_path.read_text()  # the request's log line names its trace
