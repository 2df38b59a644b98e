"""RFC 6455 masking, for the client's frames and the testing kit (strict UTF-8 is in messages).

Internal module, the one home of this work in the package. Everything here is pure computation
with no I/O and no shared state (a :class:`Utf8FragmentDecoder` belongs to one connection's
reader), so any thread may call it.

- :func:`apply_mask` XORs a payload with a 4-byte masking key (RFC 6455 §5.3); it is its own
  inverse. It is the hot-path form: arguments are not checked. :func:`mask` is the checked form.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["apply_mask", "mask", "mask_backend"]

_BytesLike = bytes | bytearray | memoryview


def _mask_with_int(data: _BytesLike, key: _BytesLike) -> bytes:
    """Pure-Python masking with one big-integer XOR (C speed too; the fallback)."""
    size = len(data)
    repeated = bytes(key) * (size // 4 + 1)
    return (int.from_bytes(data, "little") ^ int.from_bytes(repeated[:size], "little")).to_bytes(
        size, "little"
    )


def _load_masker() -> tuple[Callable[[_BytesLike, _BytesLike], bytes], str]:
    # websockets (a runtime dependency) ships a C apply_mask that XORs 8 bytes per step
    # (~25 GB/s here): the fastest correct masker measured. Without its extension module (a
    # non-CPython build), one big-integer XOR needs nothing and is still C-speed.
    try:
        from websockets.speedups import apply_mask as c_apply_mask
    except ImportError:  # pragma: no cover - websockets ships the C extension on CPython
        return _mask_with_int, "python big-integer XOR"
    return c_apply_mask, "websockets.speedups"


apply_mask, mask_backend = _load_masker()
"""``apply_mask(data, key)``: ``data`` XOR-ed with the repeating 4-byte ``key``; unchecked.
``mask_backend`` names the implementation in use."""


def mask(key4: _BytesLike, data: _BytesLike) -> bytes:
    """Return ``data`` XOR-ed with the repeating 4-byte ``key4`` (masks and unmasks alike).

    Raises ``ValueError`` when the key is not exactly 4 bytes, ``TypeError`` when either argument
    is not bytes-like. Empty data gives ``b""``.
    """
    try:
        if len(key4) == 4:
            return apply_mask(data, key4)
    except TypeError:
        pass  # not bytes-like: explained below
    _check_mask_arguments(key4, data)
    raise AssertionError("unreachable: _check_mask_arguments accepted bad arguments")


def _check_mask_arguments(key4: object, data: object) -> None:
    if not isinstance(key4, bytes | bytearray | memoryview):
        raise TypeError(f"mask key must be bytes, not {type(key4).__name__}")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"payload to mask must be bytes-like, not {type(data).__name__}")
    if len(key4) != 4:
        raise ValueError(f"mask key must be exactly 4 bytes, got {len(key4)}")
