"""The layer both sides share: one exception hierarchy with one spelling of fields, one
validation error for client and server, and one definition of opcodes, close codes and close
payloads (used by the components and by the testing kit)."""

from __future__ import annotations

import inspect

import pytest

import fnc_websocket
import fnc_websocket.errors as errors
from fnc import EValidationError
from fnc_websocket import (
    EWebSocket,
    EWebSocketClient,
    EWebSocketClientHeartBeatTimeout,
    EWebSocketClientPropertyError,
    EWebSocketClientProtocolError,
    EWebSocketPropertyError,
    EWebsocketServer,
    EWebsocketServerPropertyError,
    TTMSFNCWebsocketClient,
    TTMSFNCWebSocketException,
    TTMSFNCWebSocketServer,
)
from fnc_websocket.testing import Opcode
from fnc_websocket.testing._frames import CONTROL_OPCODES as KIT_CONTROL_OPCODES
from fnc_websocket.testing._frames import close_payload, parse_close_payload
from fnc_websocket.types import (
    CLOSE_CODE_NAMES,
    CONTROL_OPCODES,
    SENDABLE_CLOSE_CODES,
    TransformCloseData,
    TTMSFNCWebSocketFrameOpcode,
    close_code_name,
    encode_close_payload,
    is_sendable_close_code,
    split_close_payload,
)

EXCEPTIONS = [obj for name in errors.__all__
              if isinstance(obj := getattr(errors, name), type) and issubclass(obj, Exception)]


# -- one validation error, both sides -------------------------------------------------------

def test_client_and_server_raise_the_same_validation_error_listing_every_problem() -> None:
    client = TTMSFNCWebsocketClient(None, HostName="", Port=70000)
    server = TTMSFNCWebSocketServer(None, Port=70000, MaxConnections=-1)
    try:
        with pytest.raises(EWebSocketPropertyError) as from_client:
            client.Connect()
        with pytest.raises(EWebSocketPropertyError) as from_server:
            server.Active = True
        assert not client.Active and not server.Active
    finally:
        client.Free()
        server.Free()
    c, s = from_client.value, from_server.value
    assert [p for p, _ in c.Problems] == ["HostName", "Port"]
    assert [p for p, _ in s.Problems] == ["Port", "MaxConnections"]
    # The old names keep catching them, and fnc's EValidationError fields are the same values.
    assert isinstance(c, EWebSocketClientPropertyError) and isinstance(c, EWebSocketClient)
    assert isinstance(s, EWebsocketServerPropertyError) and isinstance(s, EWebsocketServer)
    for error in (c, s):
        assert isinstance(error, EValidationError) and isinstance(error, ValueError)
        assert error.problems is error.Problems and error.component == error.Component
        assert (error.StatusCode, error.CloseCode) == (0, 0)
        assert "70000 is out of range" in str(error)


# -- the hierarchy and its fields ----------------------------------------------------------

@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda c: c.__name__)
def test_every_error_is_one_hierarchy_with_fields_set_in_init(cls: type[Exception]) -> None:
    assert issubclass(cls, TTMSFNCWebSocketException)
    params = inspect.signature(cls).parameters
    args = ("Name", [("Port", "bad")]) if "problems" in params else ("what happened",)
    error = cls(*args)
    assert {"StatusCode", "CloseCode"} <= set(vars(error))  # instance fields, not patched later
    assert isinstance(error.StatusCode, int) and isinstance(error.CloseCode, int)
    assert "status_code" not in vars(error) and "close_code" not in vars(error)


def test_close_codes_go_with_each_client_cause_and_can_be_given() -> None:
    assert EWebSocketClient("x").CloseCode == 1006
    assert EWebSocketClientProtocolError("x").CloseCode == 1002
    assert EWebSocketClientHeartBeatTimeout("x").CloseCode == 1011
    assert EWebsocketServer("x").CloseCode == 0
    given = EWebsocketServer("x", StatusCode=403, CloseCode=1008)
    assert (given.StatusCode, given.CloseCode) == (403, 1008)
    assert isinstance(given, EWebSocket)


def test_server_snake_case_fields_are_deprecated_read_only_aliases() -> None:
    error = errors.server_error("refused", StatusCode=404)
    assert isinstance(error, errors.EWebsocketServerHandshakeError)
    with pytest.warns(DeprecationWarning, match="CloseCode"):
        assert error.close_code == 0
    with pytest.warns(DeprecationWarning, match="StatusCode"):
        assert error.status_code == 404
    with pytest.raises(AttributeError):
        error.status_code = 1  # type: ignore[misc]
    assert type(errors.server_error("dropped", CloseCode=1011)) is EWebsocketServer


def test_error_names_are_exported_from_the_package() -> None:
    for name in errors.__all__:
        if name != "server_error":
            assert getattr(fnc_websocket, name) is getattr(errors, name), name


# -- opcodes and close codes, defined once --------------------------------------------------

def test_the_testing_kit_uses_the_one_definition_of_opcodes() -> None:
    assert [int(op) for op in Opcode] == [int(op) for op in TTMSFNCWebSocketFrameOpcode]
    assert {int(op) for op in KIT_CONTROL_OPCODES} == {int(op) for op in CONTROL_OPCODES}
    assert {int(op) for op in CONTROL_OPCODES} == {0x8, 0x9, 0xA}


@pytest.mark.parametrize(("code", "sendable"), [
    (999, False), (1000, True), (1004, False), (1005, False), (1006, False), (1011, True),
    (1014, True), (1015, False), (1016, False), (2999, False), (3000, True), (4999, True),
    (5000, False),
])
def test_close_code_validity(code: int, sendable: bool) -> None:
    assert is_sendable_close_code(code) is sendable
    assert (code in SENDABLE_CLOSE_CODES) is (sendable and code < 3000)
    if sendable:
        assert split_close_payload(encode_close_payload(code, "ok")) == (code, "ok")
    else:
        with pytest.raises(ValueError, match=f"close code {code} .* may not be sent"):
            encode_close_payload(code, "")


def test_close_code_names() -> None:
    assert CLOSE_CODE_NAMES[1009] == close_code_name(1009) == "message too big"
    assert close_code_name(3001) == "registered application code"
    assert close_code_name(4001) == "private application code"
    assert close_code_name(1004) == "reserved code"


def test_close_payload_encode_and_decode() -> None:
    assert encode_close_payload(None) == b""
    assert encode_close_payload(1000, "é") == b"\x03\xe8\xc3\xa9"
    assert encode_close_payload(4000, b"\xff") == b"\x0f\xa0\xff"
    with pytest.raises(ValueError, match="needs a status code"):
        encode_close_payload(None, "why")
    with pytest.raises(ValueError, match="124 bytes long; at most 123"):
        encode_close_payload(1000, "x" * 124)
    assert TransformCloseData(b"") == (1005, "")
    assert TransformCloseData(b"\x03\xe8\xff") == (1000, "\ufffd")
    assert split_close_payload(b"\x03") == (None, "")
    with pytest.raises(UnicodeDecodeError):
        split_close_payload(b"\x03\xe8\xff", errors="strict")


def test_the_testing_kit_builds_close_payloads_unchecked() -> None:
    # A misbehaving peer may send what a component may not: reserved codes, long reasons.
    assert close_payload(1005) == encode_close_payload(1005, check=False) == b"\x03\xed"
    assert len(close_payload(1000, "x" * 200)) == 202
    assert close_payload(None) == b""
    assert parse_close_payload(b"\x03\xe8\xff") == (1000, "\\xff")
    assert parse_close_payload(b"") == (None, "")
