"""TComponent's shortcuts for the common case behave as the calls they stand for: hooks that a
class overrides are still called, leaves share no state, errors keep their messages."""

from __future__ import annotations

import pytest

from fnc import EComponentError, TComponent, csFreeNotification, opInsert


def test_components_that_never_owned_one_share_nothing() -> None:
    owner = TComponent(None)
    a, b = TComponent(owner), TComponent(owner)
    kid = TComponent(a)
    kid.Name = "Kid"
    assert a.Components == (kid,) and a.FindComponent("kid") is kid
    assert b.Components == () and b.ComponentCount == 0 and list(b) == []
    assert b.FindComponent("Kid") is None
    late = TComponent(b)
    late.Name = "Kid"  # b's own index: no clash with a's Kid
    assert b.Components == (late,) and a.Components == (kid,)
    owner.Free()


def test_duplicate_names_are_refused_with_the_same_message() -> None:
    owner = TComponent(None)
    first = TComponent(owner)
    first.Name = "Client"
    second = TComponent(owner)
    with pytest.raises(EComponentError, match='A component named "client" already exists'):
        second.Name = "client"
    loose = TComponent(None)
    loose.Name = "CLIENT"
    with pytest.raises(EComponentError, match='A component named "CLIENT" already exists'):
        owner.InsertComponent(loose)
    assert second.Name == "" and loose.Owner is None
    loose.Free()
    owner.Free()


class TWatchingOwner(TComponent):
    """Overrides every hook that inserting and naming call."""

    def __init__(self, AOwner: TComponent | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        super().__init__(AOwner)

    def ValidateInsert(self, AComponent: TComponent) -> None:
        self.calls.append(("ValidateInsert", AComponent.Name))

    def ValidateRename(self, AComponent: TComponent | None, CurName: str, NewName: str) -> None:
        self.calls.append(("ValidateRename", NewName))
        if NewName == "Refused":
            raise EComponentError("refused")
        super().ValidateRename(AComponent, CurName, NewName)

    def Notification(self, AComponent: TComponent, Operation: object) -> None:
        if Operation is opInsert:
            self.calls.append(("Notification", AComponent.Name))
        super().Notification(AComponent, Operation)


class TPickyChild(TComponent):
    def ValidateContainer(self, AComponent: TComponent) -> None:
        if isinstance(AComponent, TWatchingOwner) and AComponent.calls and \
                AComponent.calls[-1] == ("Notification", "Full"):
            raise EComponentError("no room")
        super().ValidateContainer(AComponent)


def test_overridden_hooks_are_called_when_inserting_and_naming() -> None:
    owner = TWatchingOwner(None)
    child = TComponent(owner)
    assert owner.calls == [("ValidateInsert", ""), ("ValidateRename", ""), ("Notification", "")]
    owner.calls.clear()
    child.Name = "Full"
    assert owner.calls == [("ValidateRename", "Full")]
    with pytest.raises(EComponentError, match="refused"):
        child.Name = "Refused"
    assert child.Name == "Full"
    owner.calls.append(("Notification", "Full"))
    with pytest.raises(EComponentError, match="no room"):
        TPickyChild(owner)
    owner.Free()


class TFindsOthers(TComponent):
    def FindComponent(self, AName: str) -> TComponent | None:
        return self if AName == "Taken" else super().FindComponent(AName)


def test_an_overridden_find_component_decides_duplicates() -> None:
    owner = TFindsOthers(None)
    child = TComponent(owner)
    with pytest.raises(EComponentError, match='"Taken" already exists'):
        child.Name = "Taken"
    child.Name = "Free"
    owner.Free()


class TLoggedLink(TComponent):
    def __init__(self, AOwner: TComponent | None = None) -> None:
        self.linked: list[TComponent] = []
        super().__init__(AOwner)

    def FreeNotification(self, AComponent: TComponent) -> None:
        self.linked.append(AComponent)
        super().FreeNotification(AComponent)


def test_free_notification_links_both_ways_once() -> None:
    a, b = TComponent(None), TComponent(None)
    a.FreeNotification(b)
    assert csFreeNotification in a.ComponentState and csFreeNotification in b.ComponentState
    b.Free()
    assert csFreeNotification not in a.ComponentState
    # a component never links its own owner: asked from the owner, the link is one-way
    owner = TComponent(None)
    kid = TComponent(owner)
    kid.FreeNotification(owner)
    assert csFreeNotification not in kid.ComponentState
    assert csFreeNotification not in owner.ComponentState
    owner.FreeNotification(kid)
    assert csFreeNotification not in kid.ComponentState
    assert csFreeNotification in owner.ComponentState
    # an override on either side is called back, as the mutual calls do
    logged, plain = TLoggedLink(None), TComponent(None)
    plain.FreeNotification(logged)
    assert logged.linked == [plain]
    other = TComponent(None)
    logged.FreeNotification(other)
    assert logged.linked == [plain, other, other]
    for c in (a, owner, logged, plain, other):
        c.Free()


def test_linking_a_freed_component_names_the_call() -> None:
    a, gone = TComponent(None), TComponent(None)
    gone.Free()
    with pytest.raises(EComponentError, match="cannot use 'FreeNotification'"):
        a.FreeNotification(gone)
    a.__dict__["_free_notifies"].remove(gone)  # the half-made link, or freeing a tells gone
    a.Free()


def test_owner_fields_follow_the_class_as_it_is_now() -> None:
    class TOwnerForm(TComponent):
        Declared = None  # a field left None is bound

    owner = TOwnerForm(None)
    first = TComponent(owner)
    first.Name = "Declared"
    assert owner.Declared is first
    TOwnerForm.Later = "a class attribute"  # type: ignore[attr-defined]
    later = TComponent(owner)
    later.Name = "Later"
    assert owner.Later == "a class attribute" and owner.FindComponent("Later") is later
    TComponent.Inherited = 5  # type: ignore[attr-defined]
    try:
        inherited = TComponent(owner)
        inherited.Name = "Inherited"
        assert owner.Inherited == 5
    finally:
        del TComponent.Inherited  # type: ignore[attr-defined]
    again = TComponent(owner)
    again.Name = "Again"
    assert owner.Again is again  # type: ignore[attr-defined]
    owner.Free()
