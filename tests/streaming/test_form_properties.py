"""Property-based tests: generated trees survive write -> read -> write; garbage only ever raises
EParserError (never another exception type, never a hang)."""

from __future__ import annotations

import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fnc.exceptions import EParserError
from fnc.streaming import load_tree, parse_text, read_binary, write_binary, write_text
from fnc.streaming.syntax.lexer import MAX_INTEGER, MIN_INTEGER
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
)

SETTINGS = settings(max_examples=100, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

_RESERVED = {"true", "false", "nil", "end", "object", "inherited", "inline"}
names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True).filter(
    lambda s: s.lower() not in _RESERVED)
paths = st.lists(names, min_size=1, max_size=3).map(".".join)
single_floats = st.floats(width=32, allow_nan=False, allow_infinity=False)


def scalar_values(with_floats: bool) -> st.SearchStrategy:
    choices = [
        st.integers(MIN_INTEGER, MAX_INTEGER).map(Integer),
        st.text(max_size=150).map(String),
        paths.map(Ident),
        st.booleans().map(Bool),
        st.just(Nil()),
        st.lists(names, max_size=4).map(lambda items: Set(tuple(items))),
        st.binary(max_size=80).map(Binary),
    ]
    if with_floats:
        choices += [
            st.floats(allow_nan=False, allow_infinity=False).map(Float),
            single_floats.map(lambda v: Float(v, "s")),
            st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: Float(v, "d")),
            st.integers(-(2**53), 2**53).map(lambda v: Float(float(v), "c")),
        ]
    return st.one_of(choices)


def values(with_floats: bool = True) -> st.SearchStrategy:
    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        props = st.lists(st.builds(PropertyNode, paths, children), max_size=3)
        items = st.lists(st.builds(CollectionItem, props, st.none() | st.integers(0, 500)),
                         max_size=3)
        return st.lists(children, max_size=4).map(List) | items.map(Collection)

    return st.recursive(scalar_values(with_floats), extend, max_leaves=12)


def trees(with_floats: bool = True) -> st.SearchStrategy:
    props = st.lists(st.builds(PropertyNode, paths, values(with_floats)), max_size=5)
    kinds = st.sampled_from(["object", "inherited", "inline"])
    leaf = st.builds(ObjectNode, names, st.just("") | names, kinds,
                     st.none() | st.integers(-5, 500), props)

    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        return st.builds(ObjectNode, names, st.just("") | names, kinds,
                         st.none() | st.integers(0, 500), props,
                         st.lists(children, max_size=3))

    return st.recursive(leaf, extend, max_leaves=6)


@SETTINGS
@given(trees(), st.sampled_from(["dfm", "lfm"]), st.sampled_from(["\n", "\r\n"]))
def test_write_read_write_is_byte_identical(tree: ObjectNode, flavour: str, nl: str) -> None:
    text = write_text(tree, flavour, line_break=nl)
    again = parse_text(text)
    assert write_text(again, flavour, line_break=nl) == text
    # the tree read back is a fixed point
    assert parse_text(write_text(again, flavour)) == again


@SETTINGS
@given(trees(with_floats=False))
def test_text_round_trip_keeps_the_tree(tree: ObjectNode) -> None:
    assert parse_text(write_text(tree)) == tree
    assert parse_text(write_text(tree, "lfm").encode("utf-8")) == tree


@SETTINGS
@given(trees())
def test_binary_round_trip_keeps_the_tree(tree: ObjectNode) -> None:
    data = write_binary(tree)
    assert read_binary(data) == tree
    assert load_tree(write_binary(tree, resource_name="TX")) == tree
    assert write_text(read_binary(data)) == write_text(tree)


@SETTINGS
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_extended_encoding_is_exact(number: float) -> None:
    tree = ObjectNode("T", properties=[PropertyNode("X", Float(number))])
    back = read_binary(write_binary(tree)).properties[0].value
    assert struct.pack("<d", back.value) == struct.pack("<d", number)  # type: ignore[union-attr]


# -- garbage in, EParserError out --------------------------------------------------------------

_ALPHABET = st.sampled_from([*"'#{}()<>[]=+:$-._,0123456789aEefFsdc \t\r\n\x00\ufeffé",
                             "object ", "end", "item", "inherited ", "#13", "''", "TPF0"])


def _only_parser_errors(text: str | bytes) -> None:
    try:
        result = parse_text(text) if isinstance(text, str) else load_tree(text)
    except EParserError as exc:
        assert exc.reason  # a message, and a position for text input
        if isinstance(text, str) and "Not a form file" not in exc.reason:
            assert exc.line is not None and exc.column is not None
    else:
        assert isinstance(result, ObjectNode)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_raises_only_eparsererror(text: str) -> None:
    _only_parser_errors(text)


@SETTINGS
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_token_soup_raises_only_eparsererror(text: str) -> None:
    _only_parser_errors("object A: TA\n" + text)
    _only_parser_errors(text)


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy, alphabet: st.SearchStrategy) -> object:
    data = draw(base)
    for _ in range(draw(st.integers(1, 4))):
        size = len(data)
        op = draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
        at = draw(st.integers(0, size))
        if op == "truncate":
            data = data[:at]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 5)):]
        else:
            piece = draw(alphabet)
            tail = at + (len(piece) if op == "replace" else 0)
            data = data[:at] + piece + data[tail:]
    return data


@SETTINGS
@given(mutated(trees().map(write_text), _ALPHABET))
def test_mutated_text_raises_only_eparsererror(text: str) -> None:
    _only_parser_errors(text)
    _only_parser_errors(text.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(mutated(trees().map(write_binary), st.binary(min_size=1, max_size=4)))
def test_mutated_binary_raises_only_eparsererror(data: bytes) -> None:
    _only_parser_errors(data)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_eparsererror(data: bytes) -> None:
    _only_parser_errors(b"TPF0" + data)
    _only_parser_errors(data)
