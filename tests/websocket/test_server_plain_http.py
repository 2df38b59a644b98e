"""Plain HTTP on the WebSocket port: OnCommandGet (GET, POST, HEAD — as Indy) and
OnCommandOther (every other method), request bodies, defaults."""

from __future__ import annotations

import threading

from server_support import EventLog, http_request, running_server, wait_until


def _request(port: int, method: str, path: str = "/x", body: bytes = b"") -> tuple[int, bytes]:
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\n"
    if body:
        head += f"Content-Length: {len(body)}\r\nContent-Type: text/plain\r\n"
    return http_request(port, head + "\r\n" + body.decode("latin-1"))


def test_oncommandother_gets_other_methods_with_their_body():
    seen = []

    def on_other(Sender, ARequest, AResponse):
        seen.append((ARequest.Command, ARequest.Document, ARequest.PostStream,
                     ARequest.RawHeaders))
        AResponse.ResponseNo = 201
        AResponse.ContentText = f"stored {len(ARequest.PostStream)} bytes"

    with running_server() as server:
        log = EventLog(server)
        server.OnCommandOther = on_other
        status, data = _request(server.BoundPort, "PUT", "/items/7", b"payload \x01\x02")
        assert status == 201 and data.endswith(b"stored 10 bytes")
        status, data = _request(server.BoundPort, "DELETE", "/items/7")
        assert status == 201
    assert [(c, d, b) for c, d, b, _h in seen] == [("PUT", "/items/7", b"payload \x01\x02"),
                                                   ("DELETE", "/items/7", b"")]
    assert "Content-Length: 10" in seen[0][3]  # the header as the client sent it
    assert not log.of("OnError")  # plain HTTP is not a failed handshake


def test_oncommandget_serves_get_post_and_head_like_indy():
    seen = []

    def on_get(Sender, ARequest, AResponse):
        seen.append((ARequest.Command, ARequest.PostStream))
        AResponse.ContentText = f"{ARequest.Command} ok"

    with running_server() as server:
        server.OnCommandGet = on_get
        server.OnCommandOther = lambda Sender, ARequest, AResponse: seen.append("other")
        assert _request(server.BoundPort, "GET")[1].endswith(b"GET ok")
        assert _request(server.BoundPort, "POST", body=b"a=1&b=2")[1].endswith(b"POST ok")
        status, data = _request(server.BoundPort, "HEAD")
    assert seen == [("GET", b""), ("POST", b"a=1&b=2"), ("HEAD", b"")]
    assert status == 200
    head, _, body = data.partition(b"\r\n\r\n")
    assert body == b"" and b"Content-Length: 7" in head  # HEAD: headers of GET, no body


def test_unassigned_oncommandother_answers_501():
    with running_server() as server:
        status, data = _request(server.BoundPort, "OPTIONS")
        assert status == 501
        assert b"Allow: GET, POST, HEAD" in data
        # GET without OnCommandGet keeps TMS's default
        assert _request(server.BoundPort, "GET", "/")[0] == 200
        assert _request(server.BoundPort, "GET", "/nothing")[0] == 404


def test_a_body_over_maxmessagesize_is_refused_with_413():
    called = []
    with running_server(MaxMessageSize=10) as server:
        server.OnCommandOther = lambda Sender, ARequest, AResponse: called.append(1)
        status, data = _request(server.BoundPort, "PUT", body=b"x" * 11)
        assert status == 413 and b"MaxMessageSize" in data
        assert _request(server.BoundPort, "PUT", body=b"x" * 10)[0] == 200
    assert called == [1]


def test_oncommandother_with_auto_sync_runs_on_the_home_thread():
    threads: list[str] = []

    def on_other(Sender, ARequest, AResponse):
        threads.append(threading.current_thread().name)
        AResponse.ContentText = "home"

    with running_server(AutoSyncEvents=True) as server:
        server.OnCommandOther = on_other
        result: list[tuple[int, bytes]] = []
        t = threading.Thread(target=lambda: result.append(
            _request(server.BoundPort, "PATCH", body=b"x")))
        t.start()
        assert wait_until(lambda: bool(result))
        t.join(5)
    assert threads == [threading.current_thread().name]
    assert result[0][0] == 200 and result[0][1].endswith(b"home")
