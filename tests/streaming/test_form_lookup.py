"""Finding a root class's form file and Application.CreateForm (Delphi's form resource)."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

from fnc import Application
from fnc.exceptions import EReadError
from fnc.streaming import find_form_file

MODULE = textwrap.dedent("""
    from fnc import TForm, TDataModule

    class TMyForm(TForm):
        def FormCreate(self, Sender):
            self.created_with = self.Caption

    class TOtherForm(TForm):
        pass

    class TNoFile(TDataModule):
        pass

    class TExplicit(TDataModule):
        form_file = "forms/explicit.dfm"
""")


@pytest.fixture
def module(tmp_path: Path):
    """A module ``myforms.py`` in a project directory with a ``designer_specs/`` folder."""
    package = tmp_path / "app"
    package.mkdir()
    (package / "myforms.py").write_text(MODULE)
    spec = importlib.util.spec_from_file_location("myforms_under_test", package / "myforms.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = mod  # type: ignore[union-attr]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    previous_main = Application.MainForm
    Application.MainForm = None
    yield mod, package
    for component in list(Application.Components):
        if type(component).__module__ == spec.name:  # type: ignore[union-attr]
            component.Free()
    Application.MainForm = previous_main
    del sys.modules[spec.name]  # type: ignore[union-attr]


def test_form_file_beside_the_module(module) -> None:
    mod, package = module
    (package / "myforms.dfm").write_text(
        "object MyForm: TMyForm\n  Caption = 'Beside'\n  OnCreate = FormCreate\nend\n")
    assert find_form_file(mod.TMyForm) == package / "myforms.dfm"
    assert find_form_file(mod.TOtherForm) is None  # myforms.dfm declares another class
    form = Application.CreateForm(mod.TMyForm)
    assert form.Owner is Application and form.Name == "MyForm"
    assert form.Caption == "Beside" and form.created_with == "Beside"  # OnCreate after loading
    assert Application.MainForm is form  # the first form created


def test_form_file_in_designer_specs_above_the_module(module) -> None:
    mod, package = module
    specs = package.parent / "designer_specs"
    specs.mkdir()
    (specs / "OtherForm.fmx").write_text("object OtherForm: TOtherForm\n  Caption = 'FMX'\nend\n")
    assert find_form_file(mod.TOtherForm) == specs / "OtherForm.fmx"
    form = Application.CreateForm(mod.TOtherForm, Caption="overridden")
    assert form.Caption == "overridden"


def test_explicit_form_file_attribute(module) -> None:
    mod, package = module
    (package / "forms").mkdir()
    (package / "forms" / "explicit.dfm").write_text("object Whatever: TSomethingElse\nend\n")
    form = Application.CreateForm(mod.TExplicit)
    assert form.Name == "Whatever"


def test_missing_form_file_is_a_clear_error(module) -> None:
    mod, _ = module
    with pytest.raises(EReadError, match="No form file found for TNoFile"):
        Application.CreateForm(mod.TNoFile)


def test_a_broken_form_frees_the_half_built_instance(module) -> None:
    mod, package = module
    (package / "myforms.dfm").write_text(
        "object MyForm: TMyForm\n  object T: TTimer\n    Interval = 'x'\n  end\nend\n")
    with pytest.raises(EReadError, match=r"myforms.dfm:3:5: Error reading T.Interval"):
        Application.CreateForm(mod.TMyForm)
    assert not [c for c in Application.Components if isinstance(c, mod.TMyForm)]


def test_designer_specs_file_found_by_its_root_class(module) -> None:
    mod, package = module
    specs = package.parent / "designer_specs"
    specs.mkdir()
    (specs / "a_decoy.dfm").write_text("object Decoy: TOtherForm\nend\n")
    (specs / "main_window.dfm").write_text(
        "\ufeffobject MyForm: TMyForm\n  Caption = 'Scanned'\n  OnCreate = FormCreate\nend\n",
        encoding="utf-8")
    assert find_form_file(mod.TMyForm) == specs / "main_window.dfm"
    assert find_form_file(mod.TOtherForm) == specs / "a_decoy.dfm"
    assert find_form_file(mod.TNoFile) is None
    form = Application.CreateForm(mod.TMyForm)
    assert form.created_with == "Scanned"
