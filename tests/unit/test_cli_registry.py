"""The command line's registries: a command is one module listed in COMMANDS, a chart
kind one entry of KINDS."""
import importlib
import sys
import types

import pytest

import dieroll.cli as cli
from dieroll.cli import chart


def test_every_command_module_has_its_options_beside_its_handler():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = []
    for module in cli.COMMANDS:
        mod = importlib.import_module(f"dieroll.cli.{module}")
        assert callable(mod.add_parser) and callable(mod.handle), module
        assert sub.choices[mod.NAME].get_default("func") is mod.handle, module
        names.append(mod.NAME)
    assert sorted(names) == sorted(sub.choices)  # nothing registered anywhere else


def test_a_new_command_is_one_module_and_one_name(monkeypatch, capsys):
    mod = types.ModuleType("dieroll.cli.hello")
    mod.NAME = "hello"

    def add_parser(sub):
        p = cli._common.add_command(sub, "hello", "say hello", "Say hello.", ["dieroll hello --to you"])
        p.add_argument("--to", default="world")
        p.set_defaults(func=mod.handle)
    mod.add_parser = add_parser
    mod.handle = lambda args: print(f"hello {args.to}") or 0
    monkeypatch.setitem(sys.modules, "dieroll.cli.hello", mod)
    monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + ("hello",))
    assert cli.main(["hello", "--to", "reader"]) == 0
    assert capsys.readouterr().out == "hello reader\n"


def test_chart_kinds_are_the_table():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    kind = next(a for a in sub.choices["chart"]._actions if a.dest == "kind")
    assert list(kind.choices) == [*chart.KINDS, *chart.ALIASES]
    assert all(v in chart.KINDS for v in chart.ALIASES.values())
    for name, k in chart.KINDS.items():
        assert name in kind.help and k.help in kind.help


def test_a_new_chart_kind_is_one_entry(monkeypatch, small_run, tmp_path, capsys):
    import matplotlib.pyplot as plt

    def draw(q):
        fig, ax = plt.subplots()
        ax.plot(q.ds["time"].values, q.ds[q.var].sel(quantile=0.5).values.reshape(len(q.ds["time"]), -1)[:, 0])
        return fig, f"line-{q.var}", ""
    monkeypatch.setitem(chart.KINDS, "line", chart.Kind(draw, "a plain line of the median", monthly=True))
    assert cli.main(["chart", str(small_run), "--kind", "line", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.split()
    assert any(p.endswith(".png") and "line-" in p for p in out)
    with pytest.raises(SystemExit):  # not in the table: refused by argparse
        cli.main(["chart", str(small_run), "--kind", "pie"])
