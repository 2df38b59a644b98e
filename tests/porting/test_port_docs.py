"""docs/porting.md stays true: it starts with ``fnc-ws port``, its Pascal unit is the one in
docs/examples/, and the excerpts it shows are what the command writes and reports."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from port_support import ROOT

from fnc_websocket.cli import main

PAGE = ROOT / "docs" / "porting.md"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", PAGE.read_text(encoding="utf-8"), re.M | re.S)


def test_the_page_starts_with_the_command() -> None:
    assert blocks("text")[0] == "fnc-ws port EchoClient.pas\n"
    assert PAGE.read_text(encoding="utf-8").index("```text\nfnc-ws port") < 40


def test_excerpts_match_what_the_command_writes(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (pascal,) = blocks("pascal")
    assert (ROOT / "docs" / "examples" / "EchoClient.pas").read_text(encoding="utf-8") == pascal
    shutil.copy(ROOT / "docs" / "examples" / "EchoClient.pas", tmp_path / "EchoClient.pas")
    shutil.copy(ROOT / "designer_specs" / "echo_client.dfm", tmp_path / "EchoClient.dfm")
    assert main(["port", str(tmp_path / "EchoClient.pas")]) == 0
    status = capsys.readouterr().err.strip()
    generated = (tmp_path / "EchoClient.py").read_text(encoding="utf-8")
    texts = blocks("text")
    shown_status = next(t for t in texts if t.startswith("$ fnc-ws port"))
    assert shown_status.splitlines()[1] == status.replace(str(tmp_path) + "/", "")
    excerpt = next(t for t in texts if t.startswith("from fnc import"))
    handler = excerpt.index("    def Client1MessageReceived(")
    assert generated.index(excerpt[:excerpt.index("    # Other fields")]) > 0
    assert excerpt[handler:] in generated
    assert main(["port", "--report", str(tmp_path / "EchoClient.pas")]) == 0
    report = capsys.readouterr().out.splitlines()
    shown = next(t for t in texts if t.startswith("KIND")).splitlines()
    for line in shown:
        if line != "...":
            assert line in report, line
    assert shown[-1] == report[-1]


def test_the_error_shown_is_the_one_the_command_prints(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = (ROOT / "docs" / "examples" / "EchoClient.pas").read_text(encoding="utf-8")
    broken = source.replace("  FTicks := 0;\nend;\n", "  FTicks := 0;\n", 1)
    assert broken != source
    (tmp_path / "EchoClient.pas").write_text(broken, encoding="utf-8")
    assert main(["port", str(tmp_path / "EchoClient.pas")]) == 1
    error = capsys.readouterr().err.strip().replace(str(tmp_path) + "/", "")
    assert next(t for t in blocks("text") if t.startswith("fnc-ws port: error:")) == error + "\n"
