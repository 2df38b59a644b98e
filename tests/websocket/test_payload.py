"""Masking and strict UTF-8 decoding (fnc_websocket._payload), shared by client and server."""

from __future__ import annotations

import itertools
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fnc_websocket import _payload
from fnc_websocket._payload import mask
from fnc_websocket.messages import InvalidUTF8, Utf8FragmentDecoder, decode_text
from fnc_websocket.types import CLOSE_INVALID_PAYLOAD

KEY = b"\x37\xfa\x21\x3d"


def reference_mask(key: bytes, data: bytes) -> bytes:
    """RFC 6455 §5.3 spelled out byte by byte."""
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


MASKERS = [pytest.param(mask, id="mask"),
           pytest.param(lambda k, d: _payload._mask_with_int(d, k), id="int-fallback")]


# --- masking ------------------------------------------------------------------------------


@pytest.mark.parametrize("masker", MASKERS)
@pytest.mark.parametrize("size", [*range(0, 18), 63, 64, 65, 125, 126, 127, 65535, 65536, 65539])
def test_mask_matches_rfc_definition_for_every_alignment(masker, size):
    data = os.urandom(size)
    assert masker(KEY, data) == reference_mask(KEY, data)


@pytest.mark.parametrize("masker", MASKERS)
def test_mask_large_unaligned_payload(masker):
    data = os.urandom(2**20 + 3)
    masked = masker(KEY, data)
    assert len(masked) == len(data)
    assert masked[-3:] == reference_mask(KEY, data)[-3:]
    assert masked[:1024] == reference_mask(KEY, data[:1024])
    assert masker(KEY, masked) == data


def test_mask_empty_is_empty_bytes():
    assert mask(KEY, b"") == b""
    assert isinstance(mask(KEY, bytearray()), bytes)


def test_mask_accepts_bytearray_and_unaligned_memoryview():
    data = os.urandom(1001)
    view = memoryview(data)[3:]  # starts at an odd address
    assert mask(bytearray(KEY), view) == reference_mask(KEY, data[3:])
    assert mask(memoryview(KEY), bytearray(data)) == reference_mask(KEY, data)
    assert isinstance(mask(KEY, bytearray(data)), bytes)


@given(st.binary(min_size=4, max_size=4), st.binary(max_size=300))
def test_mask_property_equals_reference_and_is_an_involution(key, data):
    assert mask(key, data) == reference_mask(key, data)
    assert mask(key, mask(key, data)) == data
    assert _payload._mask_with_int(data, key) == reference_mask(key, data)


@pytest.mark.parametrize("key", [b"", b"abc", b"abcde"])
def test_mask_rejects_key_of_wrong_length(key):
    with pytest.raises(ValueError, match=rf"mask key must be exactly 4 bytes, got {len(key)}"):
        mask(key, b"payload")


def test_mask_rejects_non_bytes():
    with pytest.raises(TypeError, match="mask key must be bytes, not str"):
        mask("abcd", b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="payload to mask must be bytes-like, not str"):
        mask(KEY, "text")  # type: ignore[arg-type]


# --- whole-message decoding ---------------------------------------------------------------

VALID_TEXTS = ["", "a", "Hello-µ@ßöäüàá-UTF-8!!", "κόσμε", "\u0000", "\U0010ffff", "\ud7ff",
               "\ue000", "€" * 1000, "😀 mixed ascii and 🏁"]

# (payload, byte offset of the first bad sequence)
INVALID = [
    (b"\x80", 0),                          # lone continuation byte
    (b"ab\xbf", 2),
    (b"\xc0\x80", 0),                      # overlong NUL
    (b"\xc1\xbf", 0),                      # overlong 2-byte
    (b"\xe0\x80\xaf", 0),                  # overlong 3-byte
    (b"\xf0\x80\x80\xaf", 0),              # overlong 4-byte
    (b"\xf8\x88\x80\x80\x80", 0),          # 5-byte form
    (b"\xed\xa0\x80", 0),                  # high surrogate U+D800
    (b"\xed\xbf\xbf", 0),                  # low surrogate U+DFFF
    (b"\xed\xa0\x80\xed\xb0\x80", 0),      # surrogate pair encoded as CESU-8
    (b"\xf4\x90\x80\x80", 0),              # U+110000
    (b"\xf5\x80\x80\x80", 0),
    (b"\xfe", 0), (b"\xff", 0),
    (b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited", 11),  # Autobahn 6.3.1
    (b"abc\xe2\x82", 3),                   # truncated at the end of the message
    (b"\xe2\x82abc", 0),                   # truncated before ASCII
]


@pytest.mark.parametrize("text", VALID_TEXTS)
def test_decode_text_valid(text):
    assert decode_text(text.encode("utf-8")) == text
    assert decode_text(bytearray(text.encode("utf-8"))) == text
    assert decode_text(memoryview(text.encode("utf-8"))) == text


@pytest.mark.parametrize(("payload", "position"), INVALID)
def test_decode_text_rejects_invalid_with_position(payload, position):
    with pytest.raises(InvalidUTF8) as info:
        decode_text(payload)
    assert info.value.position == position
    assert info.value.close_code == CLOSE_INVALID_PAYLOAD == 1007
    assert isinstance(info.value, ValueError)
    assert f"at byte {position}" in str(info.value)
    assert info.value.__cause__ is None  # no chained traceback from the codec


# --- fragment-by-fragment decoding --------------------------------------------------------


def decode_fragments(fragments: list[bytes]) -> str:
    decoder = Utf8FragmentDecoder()
    last = len(fragments) - 1
    return "".join(decoder.decode(f, i == last) for i, f in enumerate(fragments))


@pytest.mark.parametrize("text", VALID_TEXTS)
def test_every_split_point_reassembles(text):
    data = text.encode("utf-8")
    for cut in range(len(data) + 1):
        assert decode_fragments([data[:cut], data[cut:]]) == text


@given(st.text(), st.lists(st.integers(min_value=0, max_value=400), max_size=8))
def test_arbitrary_fragmentation_equals_whole_decode(text, cuts):
    data = text.encode("utf-8")
    points = sorted({min(c, len(data)) for c in cuts})
    fragments = [data[a:b] for a, b in itertools.pairwise([0, *points, len(data)])]
    assert decode_fragments(fragments) == text


def test_one_byte_fragments_of_four_byte_sequences():
    data = "a😀b𝄞".encode()
    assert decode_fragments([data[i:i + 1] for i in range(len(data))]) == "a😀b𝄞"


def test_truncated_sequence_is_carried_then_completed_by_next_fragment():
    decoder = Utf8FragmentDecoder()
    assert decoder.decode(b"price: \xe2\x82", False) == "price: "
    assert decoder.pending == b"\xe2\x82"
    assert decoder.decode(b"\xac 5", True) == "€ 5"
    assert decoder.pending == b""


def test_message_ending_inside_a_sequence_is_invalid():
    decoder = Utf8FragmentDecoder()
    decoder.decode(b"abc", False)
    with pytest.raises(InvalidUTF8, match="unexpected end of data") as info:
        decoder.decode(b"\xf0\x9f\x98", True)
    assert info.value.position == 3


KOSME = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"  # Autobahn's "kosme", 11 bytes


def test_autobahn_6_4_1_invalid_code_point_rejected_at_second_fragment():
    decoder = Utf8FragmentDecoder()
    assert decoder.decode(KOSME, False) == KOSME.decode("utf-8")
    with pytest.raises(InvalidUTF8) as info:
        decoder.decode(b"\xf4\x90\x80\x80", False)  # U+110000, before the final fragment
    assert info.value.position == 11


def test_autobahn_6_4_2_rejected_on_the_byte_that_makes_it_invalid():
    payload = KOSME + b"\xf4\x90\x80\x80edited"
    decoder = Utf8FragmentDecoder()
    assert decoder.decode(payload[:12], False) == KOSME.decode("utf-8")  # lone F4: still viable
    with pytest.raises(InvalidUTF8) as info:
        decoder.decode(payload[12:13], False)
    assert info.value.position == 11


@pytest.mark.parametrize("second", [0xA0, 0xAF, 0xBF])
def test_surrogate_prefix_rejected_at_fragment_boundary(second):
    decoder = Utf8FragmentDecoder()
    decoder.decode(b"ok", False)
    with pytest.raises(InvalidUTF8, match="surrogate") as info:
        decoder.decode(bytes([0xED, second]), False)
    assert info.value.position == 2


def test_surrogate_lead_split_from_its_second_byte_rejected_on_the_second_byte():
    decoder = Utf8FragmentDecoder()
    decoder.decode(b"\xed", False)  # ED 80..9F would be fine
    with pytest.raises(InvalidUTF8) as info:
        decoder.decode(b"\xa0", False)
    assert info.value.position == 0


def test_highest_non_surrogate_prefix_is_kept():
    decoder = Utf8FragmentDecoder()
    assert decoder.decode(b"\xed\x9f", False) == ""
    assert decoder.decode(b"\xbf", True) == "\ud7ff"


def test_error_position_counts_from_message_start_across_fragments():
    decoder = Utf8FragmentDecoder()
    decoder.decode(b"0123456789", False)
    decoder.decode(b"abcd\xe2", False)
    with pytest.raises(InvalidUTF8) as info:
        decoder.decode(b"\x28", False)  # E2 followed by ASCII
    assert info.value.position == 14


def test_decoder_is_reusable_after_final_error_and_reset():
    decoder = Utf8FragmentDecoder()
    assert decoder.decode(b"first", True) == "first"
    with pytest.raises(InvalidUTF8):
        decoder.decode(b"\xc0\x80", False)
    assert decoder.decode(b"after error", True) == "after error"
    decoder.decode(b"half \xe2\x82", False)
    decoder.reset()
    assert decoder.pending == b""
    assert decoder.decode(b"fresh", True) == "fresh"
    with pytest.raises(InvalidUTF8) as info:
        decoder.decode(b"\xff", True)
    assert info.value.position == 0


def test_empty_fragments_are_harmless():
    assert decode_fragments([b"", b"a", b"", b"\xc3", b"", b"\xa9", b""]) == "aé"
    assert decode_fragments([b""]) == ""


def _viable(prefix: bytes) -> bool:
    """Whether ``prefix`` is one valid character, or continuation bytes can make it one."""
    try:
        prefix.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return True
    lead = prefix[0]
    size = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if lead <= 0xF4 else 0
    if lead < 0xC2 or size == 0 or len(prefix) >= size:
        return False
    for rest in itertools.product(range(0x80, 0xC0), repeat=size - len(prefix)):
        try:
            (prefix + bytes(rest)).decode("utf-8")
        except UnicodeDecodeError:
            continue
        return True
    return False


def _rejected_early(prefix: bytes) -> bool:
    decoder = Utf8FragmentDecoder()
    try:
        decoder.decode(b"x", False)
        decoder.decode(prefix, False)
    except InvalidUTF8:
        return True
    return False


def test_fail_fast_is_exact_for_every_one_and_two_byte_prefix():
    prefixes = [bytes([lead]) for lead in range(0x80, 0x100)]
    prefixes += [bytes([lead, second])
                 for lead in range(0xC0, 0x100) for second in range(0x80, 0xC0)]
    wrong = [p.hex() for p in prefixes if _rejected_early(p) == _viable(p)]
    assert wrong == []


@pytest.mark.parametrize("lead", [0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5])
def test_fail_fast_is_exact_for_three_byte_sequences_and_prefixes(lead):
    prefixes = [bytes([lead, b, c]) for b in range(0x80, 0xC0) for c in range(0x80, 0xC0)]
    wrong = [p.hex() for p in prefixes if _rejected_early(p) == _viable(p)]
    assert wrong == []


@pytest.mark.parametrize("data", [None, 5, "", []])
def test_mask_rejects_non_bytes_payload_even_when_empty_or_falsy(data):
    with pytest.raises(TypeError, match="payload to mask must be bytes-like"):
        mask(KEY, data)  # type: ignore[arg-type]
