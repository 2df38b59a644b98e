"""Form-file reading speed: a generated form of 10,000 components (a few properties and events).

Reports, best of several runs:

* parse: text -> syntax tree, MB/s;
* read: text -> syntax tree -> components (properties typed, events bound, references fixed up,
  Loaded called), MB/s and components/s -- the target is at least 2 MB/s;
* write: components -> text, MB/s;
* baseline: one regular-expression pass over the same text (a lower bound on any Python
  tokenizer), with each figure's ratio to it beside it (the ratios move less than the absolute
  figures when the machine is busy).

The last line states the target (read >= 2 MB/s at 10,000 components) and whether it is met.

Run: ``.venv/bin/python benchmarks/bench_streaming.py [components] [runs]``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from fnc import Event, Property, TComponent, TForm
from fnc.streaming import ComponentToString, StringToComponent, parse_text


class TBenchGadget(TComponent):
    Caption = Property(str)
    Count = Property(int, 0)
    Ratio = Property(float, 0.0)
    Enabled = Property(bool, True)
    Link = Property(TComponent)
    OnChange = Event("Sender")
    OnClick = Event("Sender")


class TBenchForm(TForm):
    Gadget0: TBenchGadget

    def GadgetChange(self, Sender: TComponent) -> None:
        pass

    def GadgetClick(self, Sender: TComponent) -> None:
        pass


def generate(count: int) -> str:
    lines = ["object BenchForm: TBenchForm", "  Caption = 'Benchmark'"]
    for i in range(count):
        lines += [
            f"  object Gadget{i}: TBenchGadget",
            f"    Left = {i % 640}",
            f"    Top = {i % 480}",
            f"    Caption = 'Gadget number {i} with '#39'quotes'#39",
            f"    Count = {i}",
            f"    Ratio = {i / 8:.18f}",
            "    Enabled = False",
            f"    Link = Gadget{(i + 1) % count}",
            "    OnChange = GadgetChange",
            "    OnClick = GadgetClick",
            "  end",
        ]
    lines.append("end")
    return "\n".join(lines) + "\n"


def best(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


#: What the issue asks of the full read of a 10,000-component form, in MB/s of text.
TARGET_MB_S = 2.0
TARGET_COMPONENTS = 10_000

_SCAN = re.compile(r"[A-Za-z_][\w.]*|'[^'\n]*'|#\d+|-?\d+(?:\.\d+)?|\S")


def main(count: int = TARGET_COMPONENTS, runs: int = 5) -> None:
    text = generate(count)
    megabytes = len(text.encode()) / 1e6

    def read() -> None:
        StringToComponent(text, TBenchForm(None)).Free()

    form = StringToComponent(text, TBenchForm(None))
    written = ComponentToString(form)
    assert form.ComponentCount == count and form.Gadget0.Link is form.Gadget1
    form.Free()

    t_base = best(lambda: _SCAN.findall(text), runs)
    t_parse = best(lambda: parse_text(text), runs)
    t_read = best(read, runs)
    form = StringToComponent(text, TBenchForm(None))
    t_write = best(lambda: ComponentToString(form), runs)
    form.Free()

    def ratio(seconds: float) -> str:
        return f"(x{t_base / seconds:.2f} of the baseline)"

    read_mb_s = megabytes / t_read
    print(f"form: {count} components, {megabytes:.2f} MB of text "
          f"({len(written.encode()) / 1e6:.2f} MB written back), best of {runs} runs")
    print(f"baseline regex scan : {megabytes / t_base:8.2f} MB/s")
    print(f"parse (text -> tree): {megabytes / t_parse:8.2f} MB/s  {'':25}{ratio(t_parse)}")
    print(f"read (-> components): {read_mb_s:8.2f} MB/s  "
          f"{count / t_read:10.0f} components/s  {ratio(t_read)}")
    print(f"write (-> text)     : {megabytes / t_write:8.2f} MB/s  "
          f"{count / t_write:10.0f} components/s  {ratio(t_write)}")
    if count == TARGET_COMPONENTS:
        verdict = "met" if read_mb_s >= TARGET_MB_S else "NOT met"
    else:
        verdict = f"not measured by this run of {count:,} components"
    print(f"target: read >= {TARGET_MB_S:.1f} MB/s at {TARGET_COMPONENTS:,} components: "
          f"{verdict} ({read_mb_s:.2f} MB/s)")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Form-file reading and writing speed.")
    parser.add_argument("--components", type=int, default=TARGET_COMPONENTS,
                        help="components in the generated form (the target is measured at "
                             f"{TARGET_COMPONENTS:,})")
    parser.add_argument("--runs", type=int, default=5, help="best of N runs per figure")
    options = parser.parse_args()
    main(options.components, options.runs)
