"""opInsert reaches exactly the components that override Notification, in Delphi's order, however
the owner tree was built or changed (the owner keeps a list of who must be told; spec checklist 6).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fnc import TComponent, opInsert

LOG: list[tuple[TComponent, TComponent]] = []


class Listener(TComponent):
    """Logs every opInsert it hears."""

    def Notification(self, AComponent, Operation):
        if Operation is opInsert:
            LOG.append((self, AComponent))
        super().Notification(AComponent, Operation)


def expected_order(owner: TComponent) -> list[TComponent]:
    """Who hears an insert into ``owner``: the owner, then each owned component from the last,
    each followed by what it owns (a plain depth-first walk of the current tree)."""
    heard: list[TComponent] = []

    def walk(c: TComponent) -> None:
        if isinstance(c, Listener):
            heard.append(c)
        for child in reversed(c.Components):
            walk(child)

    walk(owner)
    return heard


def insert_and_check(owner: TComponent, cls: type[TComponent] = TComponent) -> TComponent:
    LOG.clear()
    new = cls(owner)
    assert [who for who, what in LOG if what is new] == expected_order(owner)
    return new


def test_leaf_that_gains_an_owned_listener_forwards_to_it():
    root = TComponent(None)
    try:
        first, last = TComponent(root), TComponent(root)
        deep = Listener(last)  # last gets its first component: it must now forward opInsert
        insert_and_check(root)
        inner = Listener(first)  # first is not the last component of root
        new = insert_and_check(root)
        assert (deep, new) in LOG and (inner, new) in LOG
        deep.Free()
        inner.Free()  # both forward nothing any more
        new = insert_and_check(root)
        assert all(what is not new for _, what in LOG)
    finally:
        root.Free()


def test_order_follows_component_index_changes():
    root = TComponent(None)
    try:
        a, b, c = Listener(root), Listener(root), Listener(root)
        new = insert_and_check(root)
        assert [who for who, what in LOG if what is new] == [c, b, a]
        a.ComponentIndex = 2
        new = insert_and_check(root)
        assert [who for who, what in LOG if what is new] == [a, c, b]
    finally:
        root.Free()


def test_listener_that_removes_a_sibling_mid_notification():
    root = TComponent(None)
    try:
        a, b = Listener(root), Listener(root)
        armed: list[bool] = []

        class Remover(Listener):
            def Notification(self, AComponent, Operation):
                super().Notification(AComponent, Operation)
                if Operation is opInsert and armed and not b.is_destroyed:
                    b.Free()

        remover = Remover(root)
        armed.append(True)
        LOG.clear()
        new = TComponent(root)
        # [a, b, remover, new]: remover (index 2) frees b, so index 1 is remover again, then a
        assert [who for who, what in LOG if what is new] == [remover, remover, a]
    finally:
        root.Free()


def test_listener_that_inserts_mid_notification():
    root = TComponent(None)
    try:
        a = Listener(root)
        added: list[TComponent] = []
        armed: list[bool] = []

        class Adder(Listener):
            def Notification(self, AComponent, Operation):
                super().Notification(AComponent, Operation)
                if Operation is opInsert and armed:
                    armed.clear()
                    added.append(Listener(root))

        adder = Adder(root)
        armed.append(True)
        LOG.clear()
        new = TComponent(root)
        # the component added during the walk is past the current position: only the later
        # insert of it is heard by everyone
        assert [who for who, what in LOG if what is new] == [adder, a]
        assert [who for who, what in LOG if what is added[0]] == [added[0], adder, a]
    finally:
        root.Free()


_OPS = st.lists(st.tuples(st.sampled_from(["plain", "listener", "free", "move"]),
                          st.integers(0, 1000), st.integers(0, 1000)), max_size=40)


@settings(max_examples=150, deadline=None, database=None)
@given(_OPS)
def test_random_trees_notify_like_a_full_walk(ops):
    root = TComponent(None)
    try:
        nodes: list[TComponent] = [root]
        for op, x, y in ops:
            nodes = [n for n in nodes if not n.is_destroyed]
            target = nodes[x % len(nodes)]
            if op in ("plain", "listener"):
                nodes.append(insert_and_check(target, Listener if op == "listener" else TComponent))
            elif op == "free" and target is not root:
                target.Free()
            elif op == "move" and target.Owner is not None:
                target.ComponentIndex = y % target.Owner.ComponentCount
            nodes = [n for n in nodes if not n.is_destroyed]
            insert_and_check(nodes[y % len(nodes)]).Free()
    finally:
        root.Free()
