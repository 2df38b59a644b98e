"""Plain HTTP under attack: response splitting, pipelined requests, early 413, decoded paths."""

from __future__ import annotations

import socket

import pytest
from server_support import EventLog, http_request, running_server

from fnc_websocket.server.http import TTMSFNCWebSocketHTTPRequest, normalise_path


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_crlf_in_the_status_text_is_refused_with_a_500_and_onerror():
    def on_get(Sender, ARequest, AResponse):
        AResponse.ResponseText = ARequest.Params.get("status", "")
        AResponse.ContentText = "fine"

    with running_server() as server:
        log = EventLog(server, ("OnError",))
        server.OnCommandGet = on_get
        status, data = http_request(
            server.BoundPort,
            "GET /?status=OK%0d%0aSet-Cookie:%20session=attacker HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 500
        assert b"Set-Cookie" not in data and b"attacker" not in data
        assert log.wait_for("OnError")
        error = log.of("OnError")[0][1]
        assert error.StatusCode == 500
        assert "ResponseText" in str(error) and "CR" in str(error)
        assert "attacker" not in str(error)


@pytest.mark.parametrize("fill", [
    lambda r: r.CustomHeaders.__setitem__("X-Bad\r\nSet-Cookie", "a"),
    lambda r: r.CustomHeaders.__setitem__("X-Ok", "a\r\nSet-Cookie: attacker=1"),
    lambda r: r.CustomHeaders.__setitem__("X-Ok", "a\nSet-Cookie: attacker=1"),
    lambda r: r.CustomHeaders.__setitem__("X-Ok", "a\x00attacker"),
    lambda r: r.Redirect("/next\r\nSet-Cookie: attacker=1"),
    lambda r: setattr(r, "ContentType", "text/html\r\nSet-Cookie: attacker=1"),
    lambda r: setattr(r, "ResponseText", "OK\u2028attacker"),
    lambda r: setattr(r, "ResponseNo", 2000),
], ids=["header-name", "header-value-crlf", "header-value-lf", "header-value-nul", "redirect",
        "content-type", "unicode-line-separator", "status-number"])
def test_every_response_field_is_checked(fill):
    with running_server() as server:
        log = EventLog(server, ("OnError",))
        server.OnCommandGet = lambda S, Req, Resp: fill(Resp)
        status, data = http_request(server.BoundPort, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 500
        assert b"attacker" not in data and b"Set-Cookie" not in data
        assert log.wait_for("OnError")
        assert "attacker" not in str(log.of("OnError")[0][1])


def test_valid_fields_still_go_out():
    def on_get(Sender, ARequest, AResponse):
        AResponse.ResponseText = "Fine\tIndeed"
        AResponse.CustomHeaders["X-Thing"] = "a; b=\"c\""
        AResponse.Redirect("/elsewhere?x=1")

    with running_server() as server:
        server.OnCommandGet = on_get
        status, data = http_request(server.BoundPort, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 302
        assert b"HTTP/1.1 302 Fine\tIndeed\r\n" in data
        assert b"\r\nX-Thing: a; b=\"c\"\r\n" in data
        assert b"\r\nLocation: /elsewhere?x=1\r\n" in data


def test_pipelined_requests_get_the_first_answer_and_a_clean_close():
    with running_server() as server:
        log = EventLog(server, ("OnError",))
        server.OnCommandGet = lambda S, Req, Resp: setattr(Resp, "ContentText",
                                                            "doc " + Req.Document)
        with socket.create_connection(("127.0.0.1", server.BoundPort), timeout=5) as sock:
            sock.sendall(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
            data = _read_all(sock)  # ends with the server's clean close (no reset)
        assert data.startswith(b"HTTP/1.1 200 ")
        assert b"\r\nConnection: close\r\n" in data
        assert data.endswith(b"doc /a")
        assert log.count("OnError") == 0


def test_a_body_over_the_limit_is_answered_413_before_it_is_sent():
    with running_server(MaxMessageSize=1000) as server:
        with socket.create_connection(("127.0.0.1", server.BoundPort), timeout=5) as sock:
            sock.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n"
                         + b"x" * 1000)
            head = b""
            while b"\r\n\r\n" not in head:  # no more body is sent: the answer comes anyway
                chunk = sock.recv(4096)
                assert chunk, "closed without an answer"
                head += chunk
        assert head.startswith(b"HTTP/1.1 413 ")


@pytest.mark.parametrize(("raw", "document"), [
    ("//etc/passwd", "/etc/passwd"),
    ("/a/%2e%2e/%2e%2e/b", "/b"),
    ("/../../x", "/x"),
    ("/caf%C3%A9/", "/café/"),
    ("/a//b/./c", "/a/b/c"),
    ("/bad%ff", "/bad\ufffd"),
    ("", "/"),
])
def test_document_is_decoded_and_normalised(raw, document):
    assert normalise_path(raw) == document
    request = TTMSFNCWebSocketHTTPRequest(raw + "?q=1", [])
    assert request.Document == document
    assert request.RawDocument == raw


def test_handlers_see_the_normalised_document_and_the_raw_one():
    seen = []

    def on_get(Sender, ARequest, AResponse):
        seen.append((ARequest.Document, ARequest.RawDocument))

    with running_server() as server:
        server.OnCommandGet = on_get
        status, _data = http_request(server.BoundPort,
                                     "GET //etc/%70asswd?x=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status == 200
        assert seen == [("/etc/passwd", "//etc/%70asswd")]
