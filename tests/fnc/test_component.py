"""TComponent: owner tree, names, notifications, lifetime (spec checklist 1-12)."""

from __future__ import annotations

import pytest

from fnc import (
    EComponentError,
    FindNestedComponent,
    TComponent,
    TDataModule,
    csDestroying,
    csFreeNotification,
    opRemove,
)


class Recorder(TComponent):
    """Records every Notification it receives."""

    def __init__(self, AOwner=None, **props):
        self.seen: list[tuple[str, object]] = []
        super().__init__(AOwner, **props)

    def Notification(self, AComponent, Operation):
        self.seen.append((Operation.name, AComponent))
        super().Notification(AComponent, Operation)


def test_owner_appends_and_component_index():  # checklist 1
    owner = TComponent(None)
    a, b = TComponent(owner), TComponent(owner)
    assert owner.Components == (a, b)
    assert a.Owner is owner and b.ComponentIndex == owner.ComponentCount - 1 == 1
    lone = TComponent(None)
    assert lone.Owner is None and lone.ComponentIndex == -1
    assert list(owner) == [a, b]


@pytest.mark.parametrize("bad", ["1a", "a b", "a.b", "café", "-x"])
def test_invalid_names_raise(bad):  # checklist 2
    c = TComponent(None)
    with pytest.raises(EComponentError, match="not a valid component name") as info:
        c.Name = bad
    assert bad in str(info.value)


def test_empty_names_allowed_for_several_siblings():  # checklist 2
    owner = TComponent(None)
    a, b = TComponent(owner), TComponent(owner)
    a.Name = ""
    b.Name = ""
    assert a.Name == b.Name == ""


def test_duplicate_names_case_insensitive():  # checklist 3
    owner = TComponent(None)
    a = TComponent(owner, Name="Button1")
    b = TComponent(owner)
    with pytest.raises(EComponentError, match='A component named "button1" already exists'):
        b.Name = "button1"
    a.Name = "BUTTON1"  # a case variant of its own name is fine
    assert a.Name == "BUTTON1"
    x, y = TComponent(None, Name="Same"), TComponent(None, Name="Same")  # unowned: no check
    assert x.Name == y.Name


def test_find_component_direct_case_insensitive():  # checklist 4
    root = TComponent(None)
    panel = TComponent(root, Name="Panel1")
    edit = TComponent(panel, Name="Edit1")
    assert root.FindComponent("panel1") is panel
    assert root.FindComponent("Edit1") is None  # not recursive
    assert root.FindComponent("") is None
    assert FindNestedComponent(root, "Panel1.edit1") is edit
    assert FindNestedComponent(root, "Owner.Panel1") is panel  # Owner: the current component
    assert FindNestedComponent(root, "Nope.Edit1") is None


def test_field_binding_follows_name():  # checklist 5
    form = TDataModule(None)
    c = TComponent(form, Name="Client1")
    assert form.Client1 is c
    c.Name = "Client2"
    assert not hasattr(form, "Client1") and form.Client2 is c
    form.RemoveComponent(c)
    assert not hasattr(form, "Client2")
    d = TComponent(form, Name="Timer1")
    d.Free()
    assert not hasattr(form, "Timer1")


def test_field_binding_never_hides_class_members():
    form = TDataModule(None)
    c = TComponent(form, Name="Free")  # a method of the class keeps winning
    assert form.Free != c
    assert form.FindComponent("Free") is c


def test_insert_notifies_owner_and_every_sibling():  # checklist 6
    owner = Recorder(None)
    first = Recorder(owner)
    new = Recorder(owner)
    assert ("opInsert", new) in owner.seen
    assert ("opInsert", new) in first.seen
    assert ("opInsert", new) in new.seen  # the newcomer hears about itself too


def test_remove_notifies_before_detaching():  # checklist 6
    owner = Recorder(None)
    sibling = Recorder(owner)
    victim = Recorder(owner)
    owners_at_notify = []

    class Watch(Recorder):
        def Notification(self, AComponent, Operation):
            if Operation is opRemove:
                owners_at_notify.append(AComponent.Owner)
            super().Notification(AComponent, Operation)

    w = Watch(owner)
    owner.RemoveComponent(victim)
    assert ("opRemove", victim) in owner.seen and ("opRemove", victim) in sibling.seen
    assert ("opRemove", victim) in victim.seen
    assert owners_at_notify == [owner]
    assert victim.Owner is None and victim not in owner.Components
    assert w.Owner is owner


def test_free_order_and_destroying_first():  # checklist 7
    order: list[str] = []
    states: list[bool] = []

    class Child(TComponent):
        def Destroy(self):
            order.append(self.Name)
            states.append(csDestroying in root.ComponentState
                          and all(csDestroying in c.ComponentState for c in root.Components))
            super().Destroy()

    root = TComponent(None)
    Child(root, Name="A")
    b = Child(root, Name="B")
    Child(b, Name="B1")
    Child(root, Name="C")
    root.Free()
    assert order == ["C", "B", "B1", "A"]
    assert all(states)


def test_explicit_free_notifies_owner_and_siblings_implicit_does_not():  # checklist 8
    owner = Recorder(None)
    sibling = Recorder(owner)
    child = Recorder(owner)
    child.Free()
    assert child not in owner.Components
    assert ("opRemove", child) in owner.seen and ("opRemove", child) in sibling.seen

    owner2 = Recorder(None)
    kid1 = Recorder(owner2)
    kid2 = Recorder(owner2)
    kid1_seen, owner2_seen = kid1.seen, owner2.seen  # the objects refuse use once freed
    kid1_seen.clear()
    owner2_seen.clear()
    owner2.Free()
    assert ("opRemove", kid2) not in owner2_seen
    assert ("opRemove", kid2) not in kid1_seen


def test_free_notification_mutual_idempotent_once():  # checklist 9
    a, b = Recorder(None), Recorder(None)
    a.FreeNotification(b)
    a.FreeNotification(b)
    assert csFreeNotification in a.ComponentState and csFreeNotification in b.ComponentState
    b.Free()
    assert a.seen.count(("opRemove", b)) == 1
    assert csFreeNotification not in a.ComponentState

    c, d = Recorder(None), Recorder(None)
    c.FreeNotification(d)
    c.RemoveFreeNotification(d)
    d.Free()
    assert ("opRemove", d) not in c.seen

    owner = Recorder(None)
    kid = Recorder(owner)
    kid.FreeNotification(owner)  # subscribing one's own owner is a no-op
    assert csFreeNotification not in kid.ComponentState


def test_base_notification_drops_links():  # checklist 10
    a, b = Recorder(None), Recorder(None)
    a.FreeNotification(b)
    a.Notification(b, opRemove)
    a.seen.clear()
    a.Free()
    assert ("opRemove", a) not in b.seen


def test_freed_component_refuses_use():  # checklist 11
    c = TComponent(None, Name="X", Tag=1)
    c.Free()
    c.Free()  # harmless
    assert c.is_destroyed and csDestroying in c.ComponentState
    with pytest.raises(EComponentError, match="X has been freed"):
        _ = c.Tag
    with pytest.raises(EComponentError, match="freed"):
        c.Tag = 2
    with pytest.raises(EComponentError, match="freed"):
        c.FindComponent("a")
    assert "freed" in repr(c)


def test_component_index_setter_and_reinsert():  # checklist 12
    owner = TComponent(None)
    a, b, c = (TComponent(owner) for _ in range(3))
    c.ComponentIndex = -5
    assert owner.Components == (c, a, b)
    c.ComponentIndex = 99
    assert owner.Components == (a, b, c)
    other = Recorder(None)
    other.InsertComponent(a)
    assert a.Owner is other and a not in owner.Components
    assert ("opInsert", a) in other.seen
    other.RemoveComponent(a)
    assert a.Owner is None


def test_insert_duplicate_name_refused():
    owner = TComponent(None)
    TComponent(owner, Name="Dup")
    stranger = TComponent(None, Name="dup")
    with pytest.raises(EComponentError, match="already exists"):
        owner.InsertComponent(stranger)
    assert stranger.Owner is None


def test_context_manager_frees_and_repr():
    class TThing(TComponent):
        fnc_repr_props = ("Tag",)

    with TThing(None, Name="Thing1", Tag=7) as t:
        assert repr(t) == "<TThing Thing1 Tag=7>"
    assert t.is_destroyed


def test_constructor_rejects_unknown_keyword():
    with pytest.raises(AttributeError, match="no property or event 'Bogus'"):
        TComponent(None, Bogus=1)


def test_owned_component_takes_owner_home_thread():
    import threading

    owner = TComponent(None)
    made = {}

    def make():
        made["c"] = TComponent(owner)
        made["lone"] = TComponent(None)

    t = threading.Thread(target=make)
    t.start()
    t.join(5)
    assert made["c"].HomeThread is owner.HomeThread is threading.current_thread()
    assert made["lone"].HomeThread is t


def test_state_flags_settable_for_readers():
    from fnc import csReading

    c = TComponent(None)
    c.SetComponentState(csReading, True)
    assert csReading in c.ComponentState
    c.SetComponentState(csReading, False)
    assert csReading not in c.ComponentState


def test_name_index_follows_renames_and_removal():
    owner = TComponent(None)
    a = TComponent(owner, Name="A")
    a.Name = "B"
    assert owner.FindComponent("a") is None and owner.FindComponent("b") is a
    owner.RemoveComponent(a)
    assert owner.FindComponent("b") is None
    c = TComponent(owner, Name="B")  # the name is free again
    assert owner.FindComponent("B") is c
