"""Binary form streams (``TPF0``), read into and written from the same syntax tree as text.

Layout (spec §4.3): the signature ``TPF0``; per component an optional prefix byte ``$F0 | flags``
(bit 0 inherited, bit 1 child position follows as an integer value, bit 2 inline), the class name
and the object name as ShortStrings, the properties (ShortString name, value-type byte, payload)
ended by a 0 byte, then the nested components ended by a 0 byte. On disk a binary ``.dfm`` is
wrapped in a 16-bit Windows resource header (``$FF $0A $00``, the upper-case resource name, flags
``$1030``, a 4-byte size), which :func:`read_binary` accepts and :func:`write_binary` writes on
request.

Strings are read from every string value type (ShortString and long strings as UTF-8, falling back
to Windows-1252; WideString/UnicodeString as UTF-16LE). The writer uses vaString/vaLString for ASCII
text and vaWString otherwise, the smallest integer type that holds a value, and vaExtended (80-bit)
for plain floats. Malformed streams raise :class:`~fnc.exceptions.EParserError` naming the byte
offset, never another exception type.
"""

from __future__ import annotations

import enum
import math
import struct

from fnc.exceptions import EParserError, EWriteError
from fnc.streaming.syntax.gcpause import paused_gc
from fnc.streaming.syntax.lexer import join_surrogates
from fnc.streaming.syntax.tree import (
    Binary,
    Bool,
    Collection,
    CollectionItem,
    Float,
    Ident,
    Integer,
    List,
    Nil,
    ObjectNode,
    PropertyNode,
    Set,
    String,
    Value,
)

__all__ = [
    "FILER_SIGNATURE", "RESOURCE_PREFIX", "ValueType", "is_binary_form", "read_binary",
    "write_binary",
]

FILER_SIGNATURE = b"TPF0"
#: First two bytes of a 16-bit resource file holding an RCDATA form resource.
RESOURCE_PREFIX = b"\xff\x0a"
_MAX_DEPTH = 200


class ValueType(enum.IntEnum):
    """Delphi's ``TValueType``: the byte before every value in a binary form stream."""

    vaNull = 0
    vaList = 1
    vaInt8 = 2
    vaInt16 = 3
    vaInt32 = 4
    vaExtended = 5
    vaString = 6
    vaIdent = 7
    vaFalse = 8
    vaTrue = 9
    vaBinary = 10
    vaSet = 11
    vaLString = 12
    vaNil = 13
    vaCollection = 14
    vaSingle = 15
    vaCurrency = 16
    vaDate = 17
    vaWString = 18
    vaInt64 = 19
    vaUTF8String = 20
    vaUString = 21
    vaQWord = 22
    vaDouble = 23


_FF_INHERITED, _FF_CHILD_POS, _FF_INLINE = 1, 2, 4
_INT_TYPES = {
    ValueType.vaInt8: struct.Struct("<b"),
    ValueType.vaInt16: struct.Struct("<h"),
    ValueType.vaInt32: struct.Struct("<i"),
    ValueType.vaInt64: struct.Struct("<q"),
    ValueType.vaQWord: struct.Struct("<Q"),
}
_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")


def is_binary_form(data: bytes) -> bool:
    """True when ``data`` starts like a binary form: ``TPF0`` or the ``$FF $0A`` resource header."""
    return data.startswith(FILER_SIGNATURE) or data.startswith(RESOURCE_PREFIX)


# -- reading -------------------------------------------------------------------------------------


def read_binary(data: bytes, filename: str | None = None) -> ObjectNode:
    """Parse a binary form stream (with or without resource header) into its root node.

    Raises :class:`EParserError` for anything malformed, including trailing bytes.
    """
    data = bytes(data)
    reader = _BinaryReader(data, filename)
    start = reader.skip_resource_header() if data.startswith(RESOURCE_PREFIX) else 0
    end = reader.end
    if data[start:start + 4] != FILER_SIGNATURE:
        raise reader.error("Invalid stream format: 'TPF0' signature expected", start)
    reader.pos = start + 4
    with paused_gc():
        root = reader.read_object(0)
    if reader.pos != end:
        raise reader.error("Unexpected data after the root component", reader.pos)
    return root


def _decode_short(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


class _BinaryReader:
    __slots__ = ("data", "end", "filename", "pos")

    def __init__(self, data: bytes, filename: str | None) -> None:
        self.data = data
        self.end = len(data)
        self.filename = filename
        self.pos = 0

    def error(self, message: str, offset: int | None = None) -> EParserError:
        where = self.pos if offset is None else offset
        return EParserError(f"{message} (at byte offset {where})", self.filename)

    def take(self, count: int) -> bytes:
        end = self.pos + count
        if count < 0 or end > self.end:
            raise self.error(f"Unexpected end of binary stream: {count} bytes expected")
        chunk = self.data[self.pos:end]
        self.pos = end
        return chunk

    def byte(self) -> int:
        if self.pos >= self.end:
            raise self.error("Unexpected end of binary stream")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def peek(self) -> int:
        if self.pos >= self.end:
            raise self.error("Unexpected end of binary stream")
        return self.data[self.pos]

    def skip_resource_header(self) -> int:
        """Validate the 16-bit resource header; limit reading to its data. Returns data start."""
        self.pos = 2
        if self.byte() != 0:
            raise self.error("Invalid resource header: resource type RCDATA expected", 2)
        if self.peek() == 0xFF:
            self.take(3)
        else:
            terminator = self.data.find(b"\0", self.pos)
            if terminator < 0:
                raise self.error("Invalid resource header: unterminated resource name")
            self.pos = terminator + 1
        self.take(2)  # memory flags
        size = _U32.unpack(self.take(4))[0]
        start = self.pos
        if start + size > self.end:
            raise self.error(f"Invalid resource header: size {size} exceeds the file", start - 4)
        self.end = start + size
        return start

    def short_string(self) -> str:
        return _decode_short(self.take(self.byte()))

    def int_value(self, vtype: int) -> int:
        layout = _INT_TYPES.get(vtype)  # type: ignore[call-overload]
        if layout is None:
            raise self.error(f"Integer value expected, value type {vtype} found", self.pos - 1)
        return layout.unpack(self.take(layout.size))[0]

    def read_object(self, depth: int) -> ObjectNode:
        if depth >= _MAX_DEPTH:
            raise self.error(f"Components nested deeper than {_MAX_DEPTH} levels")
        start = self.pos
        flags = 0
        index = None
        if self.peek() & 0xF0 == 0xF0:
            flags = self.byte() & 0x0F
            if flags & _FF_CHILD_POS:
                index = self.int_value(self.byte())
        class_name = self.short_string()
        if not class_name:
            raise self.error("Invalid stream format: empty class name", start)
        name = self.short_string()
        properties: list[PropertyNode] = []
        while self.peek() != 0:
            prop_name = self.short_string()
            properties.append(PropertyNode(prop_name, self.read_value(depth)))
        self.pos += 1
        children: list[ObjectNode] = []
        while self.peek() != 0:
            children.append(self.read_object(depth + 1))
        self.pos += 1
        kind = ("inherited" if flags & _FF_INHERITED
                else "inline" if flags & _FF_INLINE else "object")
        return ObjectNode(class_name=class_name, name=name, kind=kind, index=index,
                          properties=properties, children=children)

    def read_value(self, depth: int) -> Value:
        offset = self.pos
        vtype = self.byte()
        if vtype in _INT_TYPES:
            return Integer(self.int_value(vtype))
        if vtype == ValueType.vaString or vtype == ValueType.vaIdent:
            text = self.short_string()
            return String(text) if vtype == ValueType.vaString else Ident(text)
        if vtype == ValueType.vaLString:
            return String(_decode_short(self.take(self.length())))
        if vtype == ValueType.vaUTF8String:
            raw = self.take(self.length())
            try:
                return String(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise self.error("Invalid UTF-8 in a string value", offset) from None
        if vtype == ValueType.vaWString or vtype == ValueType.vaUString:
            raw = self.take(self.length() * 2)
            return String(join_surrogates(raw.decode("utf-16-le", "surrogatepass")))
        if vtype == ValueType.vaTrue or vtype == ValueType.vaFalse:
            return Bool(vtype == ValueType.vaTrue)
        if vtype == ValueType.vaNil:
            return Nil()
        if vtype == ValueType.vaNull:
            return Ident("Null")
        if vtype == ValueType.vaExtended:
            return Float(self.extended(offset))
        if vtype == ValueType.vaDouble:
            return Float(_F64.unpack(self.take(8))[0])
        if vtype == ValueType.vaSingle:
            return Float(_F32.unpack(self.take(4))[0], "s")
        if vtype == ValueType.vaDate:
            return Float(_F64.unpack(self.take(8))[0], "d")
        if vtype == ValueType.vaCurrency:
            return Float(float(_I64.unpack(self.take(8))[0]), "c")
        if vtype == ValueType.vaBinary:
            return Binary(self.take(self.length()))
        if vtype == ValueType.vaSet:
            items: list[str] = []
            while True:
                item = self.short_string()
                if not item:
                    return Set(items)
                items.append(item)
        if depth >= _MAX_DEPTH:
            raise self.error(f"Values nested deeper than {_MAX_DEPTH} levels", offset)
        if vtype == ValueType.vaList:
            values: list[Value] = []
            while self.peek() != 0:
                values.append(self.read_value(depth + 1))
            self.pos += 1
            return List(values)
        if vtype == ValueType.vaCollection:
            return self.read_collection(depth + 1)
        raise self.error(f"Invalid value type {vtype}", offset)

    def length(self) -> int:
        count = _I32.unpack(self.take(4))[0]
        if count < 0:
            raise self.error(f"Invalid negative length {count}", self.pos - 4)
        return count

    def extended(self, offset: int) -> float:
        raw = self.take(10)
        mantissa = int.from_bytes(raw[:8], "little")
        sign_exp = _U16.unpack(raw[8:])[0]
        sign = -1.0 if sign_exp & 0x8000 else 1.0
        exponent = sign_exp & 0x7FFF
        if exponent == 0x7FFF:
            return sign * math.inf if mantissa << 1 == 0 else math.nan
        try:
            return sign * math.ldexp(float(mantissa), exponent - 16383 - 63)
        except OverflowError:
            raise self.error("Extended float value out of the double range", offset) from None

    def read_collection(self, depth: int) -> Collection:
        items: list[CollectionItem] = []
        while self.peek() != 0:
            index = None
            vtype = self.byte()
            if vtype != ValueType.vaList:
                index = self.int_value(vtype)
                if self.byte() != ValueType.vaList:
                    raise self.error("Invalid collection item: list expected", self.pos - 1)
            properties: list[PropertyNode] = []
            while self.peek() != 0:
                name = self.short_string()
                properties.append(PropertyNode(name, self.read_value(depth)))
            self.pos += 1
            items.append(CollectionItem(properties, index))
        self.pos += 1
        return Collection(items)


# -- writing -------------------------------------------------------------------------------------


def write_binary(node: ObjectNode, *, resource_name: str | None = None) -> bytes:
    """The ``TPF0`` stream of ``node``; with ``resource_name`` wrapped in a resource header
    (the name upper-cased, as ``WriteComponentResFile`` writes the class name).

    Raises :class:`EWriteError` for values a binary stream cannot hold (a name over 255 bytes, an
    integer beyond 64 bits, a non-finite Currency, ...).
    """
    if not isinstance(node, ObjectNode):
        raise TypeError(f"write_binary needs an ObjectNode, not {type(node).__name__}")
    out = bytearray(FILER_SIGNATURE)
    _BinaryWriter(out).write_object(node, 0)
    if resource_name is None:
        return bytes(out)
    name = resource_name.upper().encode("ascii", "replace")
    if b"\0" in name or not name:
        raise EWriteError(f"Invalid resource name {resource_name!r}")
    header = RESOURCE_PREFIX + b"\0" + name + b"\0" + b"\x30\x10" + _U32.pack(len(out))
    return header + bytes(out)


def _short_bytes(text: str, what: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) > 255:
        raise EWriteError(f"Cannot write {what} {text[:40]!r}...: longer than 255 bytes")
    return bytes((len(raw),)) + raw


class _BinaryWriter:
    __slots__ = ("out",)

    def __init__(self, out: bytearray) -> None:
        self.out = out

    def write_object(self, node: ObjectNode, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise EWriteError(f"Components nested deeper than {_MAX_DEPTH} levels")
        out = self.out
        flags = {"object": 0, "inherited": _FF_INHERITED, "inline": _FF_INLINE}.get(node.kind)
        if flags is None:
            raise EWriteError(f"Cannot write object kind {node.kind!r}")
        if node.index is not None:
            flags |= _FF_CHILD_POS
        if flags:
            out.append(0xF0 | flags)
            if node.index is not None:
                self.write_int(int(node.index))
        if not node.class_name:
            raise EWriteError("Cannot write a component without a class name")
        out += _short_bytes(node.class_name, "class name")
        out += _short_bytes(node.name, "component name")
        for prop in node.properties:
            self.write_property(prop, depth)
        out.append(0)
        for child in node.children:
            self.write_object(child, depth + 1)
        out.append(0)

    def write_property(self, prop: PropertyNode, depth: int) -> None:
        if not isinstance(prop, PropertyNode) or not prop.path:
            raise EWriteError(f"Cannot write {prop!r} as a property")
        self.out += _short_bytes(prop.path, "property name")
        self.write_value(prop.value, depth)

    def write_int(self, value: int) -> None:
        out = self.out
        if -128 <= value <= 127:
            out.append(ValueType.vaInt8)
            out += _INT_TYPES[ValueType.vaInt8].pack(value)
        elif -32768 <= value <= 32767:
            out.append(ValueType.vaInt16)
            out += _INT_TYPES[ValueType.vaInt16].pack(value)
        elif -(2**31) <= value < 2**31:
            out.append(ValueType.vaInt32)
            out += _I32.pack(value)
        elif -(2**63) <= value < 2**63:
            out.append(ValueType.vaInt64)
            out += _I64.pack(value)
        elif 0 <= value < 2**64:
            out.append(ValueType.vaQWord)
            out += _INT_TYPES[ValueType.vaQWord].pack(value)
        else:
            raise EWriteError(f"Integer {value} does not fit in 64 bits")

    def write_value(self, value: Value, depth: int) -> None:
        out = self.out
        cls = type(value)
        if cls is Integer:
            self.write_int(int(value.value))  # type: ignore[union-attr]
        elif cls is String:
            self.write_string(value.value)  # type: ignore[union-attr]
        elif cls is Ident:
            out.append(ValueType.vaIdent)
            out += _short_bytes(value.value, "identifier")  # type: ignore[union-attr]
        elif cls is Bool:
            out.append(ValueType.vaTrue if value.value else ValueType.vaFalse)  # type: ignore[union-attr]
        elif cls is Nil:
            out.append(ValueType.vaNil)
        elif cls is Float:
            self.write_float(value)  # type: ignore[arg-type]
        elif cls is Set:
            out.append(ValueType.vaSet)
            for item in value.items:  # type: ignore[union-attr]
                if not item:
                    raise EWriteError("Cannot write an empty set element name")
                out += _short_bytes(item, "set element")
            out.append(0)
        elif cls is Binary:
            data = bytes(value.data)  # type: ignore[union-attr]
            out.append(ValueType.vaBinary)
            out += _I32.pack(len(data)) + data
        elif cls is List or cls is Collection:
            if depth > _MAX_DEPTH:
                raise EWriteError(f"Values nested deeper than {_MAX_DEPTH} levels")
            if cls is List:
                out.append(ValueType.vaList)
                for item in value.items:  # type: ignore[union-attr]
                    self.write_value(item, depth + 1)
                out.append(0)
            else:
                self.write_collection(value, depth + 1)  # type: ignore[arg-type]
        else:
            raise EWriteError(f"Cannot write {value!r} as a property value")

    def write_collection(self, value: Collection, depth: int) -> None:
        out = self.out
        out.append(ValueType.vaCollection)
        for item in value.items:
            if item.index is not None:
                self.write_int(int(item.index))
            out.append(ValueType.vaList)
            for prop in item.properties:
                self.write_property(prop, depth)
            out.append(0)
        out.append(0)

    def write_string(self, text: str) -> None:
        out = self.out
        if text.isascii():
            raw = text.encode("ascii")
            if len(raw) <= 255:
                out.append(ValueType.vaString)
                out.append(len(raw))
            else:
                out.append(ValueType.vaLString)
                out += _I32.pack(len(raw))
            out += raw
        else:
            raw = text.encode("utf-16-le", "surrogatepass")
            out.append(ValueType.vaWString)
            out += _I32.pack(len(raw) // 2) + raw

    def write_float(self, value: Float) -> None:
        out = self.out
        number = float(value.value)
        suffix = value.suffix
        try:
            if suffix == "":
                out.append(ValueType.vaExtended)
                out += _extended_bytes(number)
            elif suffix == "s":
                packed = _F32.pack(number)
                out.append(ValueType.vaSingle)
                out += packed
            elif suffix == "d":
                out.append(ValueType.vaDate)
                out += _F64.pack(number)
            elif suffix == "c":
                if not math.isfinite(number):
                    raise EWriteError(f"Cannot write the Currency value {number!r}")
                packed = _I64.pack(round(number))
                out.append(ValueType.vaCurrency)
                out += packed
            else:
                raise EWriteError(f"Unknown float suffix {suffix!r}")
        except (OverflowError, struct.error):
            raise EWriteError(f"Float {number!r} does not fit the {suffix!r} value type") from None


def _extended_bytes(value: float) -> bytes:
    """80-bit x87 Extended encoding of a double."""
    if math.isnan(value):
        return (0xC000000000000000).to_bytes(8, "little") + _U16.pack(0x7FFF)
    sign = 0x8000 if math.copysign(1.0, value) < 0 else 0
    if math.isinf(value):
        return (1 << 63).to_bytes(8, "little") + _U16.pack(sign | 0x7FFF)
    if value == 0:
        return bytes(8) + _U16.pack(sign)
    fraction, exponent = math.frexp(abs(value))
    mantissa = int(fraction * (1 << 64))
    return mantissa.to_bytes(8, "little") + _U16.pack(sign | (exponent - 1 + 16383))
