"""fnc_websocket.messages: reassembly bounded by MaxMessageSize, strict UTF-8 at message end,
frame-type sets, control-frame and close checks, the *Received dispatch (shared by both sides)."""

from __future__ import annotations

import pytest

from fnc_websocket.messages import (
    OP_BINARY,
    OP_CONT,
    OP_TEXT,
    InvalidUTF8,
    MessageTooBig,
    ProtocolViolation,
    Reassembler,
    Received,
    check_control_frame,
    dispatch,
    frame_types,
    parse_close,
)
from fnc_websocket.types import ftContinuation, ftFirst, ftLast, is_sendable_close_code


def test_single_frames_are_messages_at_once():
    r = Reassembler(100)
    assert r.feed(OP_TEXT, True, "hé".encode()) == Received("MessageReceived", ("hé",))
    assert r.feed(OP_BINARY, True, b"\x00") == Received(
        "BinaryDataReceived", (b"\x00", frozenset({ftFirst, ftLast})))
    assert r.feed(OP_TEXT, True, b"") == Received("MessageReceived", ("",))


def test_fragments_are_joined_once_and_text_stays_strict():
    r = Reassembler(0)
    pieces = [bytes([i % 256]) * 1000 for i in range(1000)]
    assert r.feed(OP_BINARY, False, pieces[0]) is None
    for piece in pieces[1:-1]:
        assert r.feed(OP_CONT, False, piece) is None
    assert r.in_message
    item = r.feed(OP_CONT, True, pieces[-1])
    assert item == Received("BinaryDataReceived",
                            (b"".join(pieces), frozenset({ftContinuation, ftLast})))
    assert not r.in_message
    euro = "€".encode()
    assert r.feed(OP_TEXT, False, euro[:1]) is None
    assert r.feed(OP_CONT, True, euro[1:]) == Received("MessageReceived", ("€",))
    r.feed(OP_TEXT, False, b"ok")
    with pytest.raises(InvalidUTF8) as info:  # a message ending mid-character
        r.feed(OP_CONT, True, euro[:2])
    assert info.value.close_code == 1007 and info.value.position == 2


def test_max_message_size_is_checked_from_the_header():
    r = Reassembler(100)
    r.check_header(OP_BINARY, 100)
    with pytest.raises(MessageTooBig) as info:
        r.check_header(OP_BINARY, 101)
    assert info.value.close_code == 1009 and "MaxMessageSize (100 bytes)" in str(info.value)
    r.feed(OP_TEXT, False, b"x" * 60)
    with pytest.raises(MessageTooBig):
        r.check_header(OP_CONT, 41)


def test_fragment_order_is_checked():
    r = Reassembler(0)
    with pytest.raises(ProtocolViolation, match="continuation"):
        r.feed(OP_CONT, True, b"x")
    r.feed(OP_TEXT, False, b"a")
    with pytest.raises(ProtocolViolation, match="new message") as info:
        r.feed(OP_BINARY, True, b"b")
    assert info.value.close_code == 1002


def test_frame_by_frame_hands_out_each_frame_with_its_types():
    r = Reassembler(0, frame_by_frame=True)
    assert r.feed(OP_BINARY, False, b"a").args == (b"a", frozenset({ftFirst}))
    assert r.feed(OP_CONT, False, b"b").args == (b"b", frozenset({ftContinuation}))
    assert r.feed(OP_CONT, True, b"c").args == (b"c", frozenset({ftContinuation, ftLast}))
    euro = "€".encode()
    assert r.feed(OP_TEXT, False, euro[:2]).args == ("",)
    assert r.feed(OP_CONT, True, euro[2:]).args == ("€",)
    assert frame_types(True, True) == frozenset({ftFirst, ftLast})


def test_control_frames_and_close_payloads():
    check_control_frame(0x9, True, 125)
    with pytest.raises(ProtocolViolation, match="fragmented"):
        check_control_frame(0x9, False, 1)
    with pytest.raises(ProtocolViolation, match="126 bytes"):
        check_control_frame(0xA, True, 126)
    assert parse_close(b"") == (1005, "")
    assert parse_close(b"\x03\xe8bye") == (1000, "bye")
    with pytest.raises(ProtocolViolation, match="1-byte"):
        parse_close(b"\x03")
    with pytest.raises(ProtocolViolation, match="1005"):
        parse_close((1005).to_bytes(2, "big"))
    with pytest.raises(InvalidUTF8, match="close reason"):
        parse_close(b"\x03\xe8\xff")
    assert is_sendable_close_code(4000) and not is_sendable_close_code(1006)


def test_dispatch_calls_the_protected_method_and_routes_errors():
    calls = []
    errors = []

    class Target:
        def MessageReceived(self, Sender, AConnection, AMessage):
            calls.append((Sender, AConnection, AMessage))

        def PingReceived(self, Sender, AConnection, AData):
            raise RuntimeError("override failed")

    conn = object()
    dispatch(Target(), conn, Received("MessageReceived", ("hi",)), errors.append)
    dispatch(Target(), conn, Received("PingReceived", (b"",)), errors.append)
    assert calls == [(conn, conn, "hi")]
    assert [str(e) for e in errors] == ["override failed"]
