"""The model language: parsing, checking and merging model files, with every error pointing at its line."""
from __future__ import annotations

import os

import pytest

from dieroll.errors import ModelError
from dieroll.modelfile import check_file
from dieroll.modelfile.expr import MAX_DEPTH, MAX_NODES, Binary, Call, Date, Name, ParseError, Select, parse

BASE = """
[model]
name = "tiny"
title = "A tiny model"

[units]
die = "a logic die"
package = "a packaged chip"

[labels.route]
tsmc = { name = "TSMC", colour = "#112233" }
smic = { name = "SMIC" }

[inputs.arrivals]
units = "die/month"
description = "Dies arriving per month"
[inputs.dies_per_package]
units = "die/package"
description = "Dies per package"
[inputs.drain]
units = "1/month"
description = "Share of waiting dies packaged per month"
[inputs.share]
units = "1"
path = true
description = "Share packaged"

[flows.made]
dims = ["route"]
units = "die/month"
equation.tsmc = "arrivals"
equation.smic = "2 * arrivals"

[flows.taken]
dims = ["route"]
units = "die/month"
equation = "share * made + drain * waiting"

[stocks.waiting]
dims = ["route"]
units = "die"
inflow = "made"
outflow = "taken"

[outputs.packages]
units = "package/month"
long_name = "Packages per month"
equation = "sum_over(taken, route) / dies_per_package"
"""


def _write(tmp_path, text, name="m.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def _problems(tmp_path, text):
    with pytest.raises(ModelError) as exc:
        check_file(_write(tmp_path, text))
    return str(exc.value), exc.value.problems


def test_parser_builds_the_tree_with_dates_and_selections():
    tree = parse("where(month >= 2025-01, x[route=smic] * 2, max(a, b))")
    assert isinstance(tree, Call) and tree.func == "where"
    cond, then, other = tree.args
    assert isinstance(cond, Binary) and cond.op == ">=" and isinstance(cond.right, Date)
    assert cond.right.month == 2025 * 12
    assert isinstance(then.left, Select) and then.left.picks[0][:2] == ("route", "smic")
    assert isinstance(other, Call) and [a.id for a in other.args] == ["a", "b"]
    # precedence: ** binds tighter than unary minus on its right, * before +
    t = parse("a + b * c ** 2")
    assert t.op == "+" and t.right.op == "*" and t.right.right.op == "**"


@pytest.mark.parametrize("text, message", [
    ("a +", "expected a number"),
    ("a < b < c", "comparisons do not chain"),
    ("__import__(os)", "may not start with _"),
    ("a; b", "unexpected character"),
    ("2024-13", "MM from 01 to 12"),
    ("lambda: 1", "unexpected"),
    ("", "empty"),
])
def test_parser_refuses_what_is_not_in_the_grammar(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text)


def test_parser_limits_depth_and_size():
    with pytest.raises(ParseError, match="nested more than"):
        parse("(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5))
    with pytest.raises(ParseError, match="too large"):
        parse(" + ".join(["a"] * (MAX_NODES + 1)))
    with pytest.raises(ParseError, match="nested more than"):
        parse("-" * (MAX_DEPTH + 5) + "a")


def test_a_good_model_checks_and_orders_its_equations(tmp_path):
    spec = check_file(_write(tmp_path, BASE))
    assert list(spec.flows) == ["made", "taken"]
    assert spec.labels["route"].labels == ("tsmc", "smic")
    assert spec.labels["route"].titles["smic"] == "SMIC" and spec.labels["route"].colours == {"tsmc": "#112233"}
    assert spec.inputs["share"].path and not spec.inputs["arrivals"].path
    assert len(spec.sha256) == 64 and "[flows.made" in spec.text


def _with(text, old, new):
    assert old in text
    return text.replace(old, new)


def test_units_that_disagree_are_errors_naming_file_line_and_column(tmp_path):
    bad = _with(BASE, 'equation = "share * made + drain * waiting"', 'equation = "share * made + drain * waiting + dies_per_package"')
    msg, problems = _problems(tmp_path, bad)
    assert len(problems) == 1
    p = problems[0]
    assert p.file.endswith("m.toml") and p.key == "flows.taken.equation"
    assert p.line == BASE.splitlines().index('equation = "share * made + drain * waiting"') + 1
    assert "units disagree in '+': die/month and die/package" in msg and "(column 32)" in msg


def test_a_stock_flow_must_be_the_stock_per_month(tmp_path):
    bad = _with(BASE, 'inflow = "made"', 'inflow = "made * dies_per_package"')
    msg, _ = _problems(tmp_path, bad)
    assert "stocks.waiting.inflow" in msg and "must be die/month" in msg


def test_a_year_is_not_a_month(tmp_path):
    bad = _with(BASE, 'units = "die/month"\ndescription = "Dies arriving', 'units = "die/year"\ndescription = "Dies arriving')
    msg, _ = _problems(tmp_path, bad)
    assert "die/year" in msg and "per_month()" in msg
    fixed = _with(bad, 'equation.tsmc = "arrivals"', 'equation.tsmc = "per_month(arrivals)"')
    fixed = _with(fixed, 'equation.smic = "2 * arrivals"', 'equation.smic = "2 * per_month(arrivals)"')
    check_file(_write(tmp_path, fixed))


def test_every_problem_is_reported_at_once_with_did_you_mean(tmp_path):
    bad = _with(BASE, 'equation = "share * made + drain * waiting"', 'equation = "shar * made + drain * waitin"')
    bad = _with(bad, 'equation = "sum_over(taken, route) / dies_per_package"',
                'equation = "summ(taken, route) / dies_per_package"')
    msg, problems = _problems(tmp_path, bad)
    assert len(problems) == 3
    assert "unknown name 'shar'; did you mean 'share'?" in msg
    assert "unknown name 'waitin'; did you mean 'waiting'?" in msg
    assert "unknown function 'summ'; did you mean 'sum'" not in msg  # there is no plain sum
    assert "unknown function 'summ'" in msg


def test_dimensions_must_match(tmp_path):
    bad = _with(BASE, 'equation = "sum_over(taken, route) / dies_per_package"', 'equation = "taken / dies_per_package"')
    msg, _ = _problems(tmp_path, bad)
    assert "varies by route" in msg and "sum_over(x, route)" in msg
    bad = _with(BASE, 'equation = "sum_over(taken, route) / dies_per_package"',
                'equation = "taken[umc] / dies_per_package"')
    msg, _ = _problems(tmp_path, bad)
    assert "has no label 'umc'" in msg


def test_cycles_among_auxiliaries_are_refused_and_a_stock_breaks_them(tmp_path):
    cyc = _with(BASE, 'equation.smic = "2 * arrivals"', 'equation.smic = "2 * arrivals + taken[tsmc]"')
    msg, _ = _problems(tmp_path, cyc)
    assert "cycle: made -> taken -> made" in msg or "cycle: taken -> made -> taken" in msg
    # reading last month's value with prev() is not a cycle
    ok = _with(BASE, 'equation.smic = "2 * arrivals"', 'equation.smic = "2 * arrivals + prev(taken[tsmc], 0)"')
    check_file(_write(tmp_path, ok))


@pytest.mark.parametrize("old, new, message", [
    ('[flows.taken]', '[flows.class]', "a Python keyword cannot be a name"),
    ('[flows.taken]', '[flows.__class__]', "a name starts with a letter"),
    ('[flows.taken]', '[flows.where]', "function or built-in name"),
    ('equation = "share * made + drain * waiting"', 'equation = "eval(share)"', "unknown function 'eval'"),
    ('[units]', '[unitz]', "unknown table"),
])
def test_hostile_or_mistaken_names_are_refused(tmp_path, old, new, message):
    msg, _ = _problems(tmp_path, _with(BASE, old, new))
    assert message in msg


def test_enormous_label_sets_are_refused(tmp_path):
    labels = "\n".join(f"l{i} = \"L{i}\"" for i in range(300))
    msg, _ = _problems(tmp_path, _with(BASE, '[labels.route]', f'[labels.huge]\n{labels}\n\n[labels.route]'))
    assert "at most 256" in msg


def test_files_that_are_not_regular_or_too_large_are_refused(tmp_path):
    msg = ""
    with pytest.raises(ModelError) as exc:
        check_file(str(tmp_path))
    msg = str(exc.value)
    assert "not a regular file" in msg
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * (1 << 20) + "\n")
    with pytest.raises(ModelError, match="may be at most"):
        check_file(str(big))
    with pytest.raises(ModelError, match="no packaged model"):
        check_file("no-such-model")


def test_extends_adds_a_label_and_replaces_one_equation(tmp_path):
    _write(tmp_path, BASE, "base.toml")
    child = """
[model]
extends = "base.toml"
name = "tiny-with-umc"

[labels.route]
umc = { name = "UMC", colour = "#445566" }

[flows.made.equation]
umc = "0.5 * arrivals"
"""
    spec = check_file(_write(tmp_path, child, "child.toml"))
    assert spec.name == "tiny-with-umc"
    assert spec.labels["route"].labels == ("tsmc", "smic", "umc")
    assert set(spec.flows["made"].texts) == {"tsmc", "smic", "umc"}
    assert spec.files[0].endswith("child.toml") and spec.files[1].endswith("base.toml")
    # a label without its equation is an error in the child, pointing at the parent's table
    msg, _ = _problems(tmp_path, child.replace('[flows.made.equation]\numc = "0.5 * arrivals"\n', ""))
    assert "gives no equation for route=umc" in msg


def test_remove_deletes_and_what_still_reads_it_is_an_error(tmp_path):
    _write(tmp_path, BASE, "base.toml")
    child = '[model]\nextends = "base.toml"\n[remove]\ninputs = ["share"]\n'
    msg, _ = _problems(tmp_path, child)
    assert "unknown name 'share'" in msg and os.path.basename("base.toml") in msg
    msg, _ = _problems(tmp_path, '[model]\nextends = "base.toml"\n[remove]\nflows = ["nope"]\n')
    assert "names no flows entry" in msg


def test_extends_cycles_are_refused(tmp_path):
    _write(tmp_path, '[model]\nextends = "b.toml"\nname = "a"\n', "a.toml")
    _write(tmp_path, '[model]\nextends = "a.toml"\nname = "b"\n', "b.toml")
    with pytest.raises(ModelError, match="extends cycle: a.toml -> b.toml -> a.toml"):
        check_file(str(tmp_path / "a.toml"))


def test_names_in_trees_are_names_only():
    assert isinstance(parse("a"), Name)


def test_a_stock_change_is_applied_term_by_term_in_the_order_written(tmp_path):
    text = _with(BASE, 'inflow = "made"\noutflow = "taken"', 'change = "- taken + made"')
    spec = check_file(_write(tmp_path, text))
    terms = spec.stocks["waiting"].terms
    assert [(sign, t.id) for sign, t in terms] == [(-1, "taken"), (1, "made")]
    msg, _ = _problems(tmp_path, _with(BASE, 'inflow = "made"', 'inflow = "made"\nchange = "made"'))
    assert "not both" in msg


def _with_model_keys(extra: str, labels: str = "") -> str:
    text = BASE.replace('title = "A tiny model"\n', 'title = "A tiny model"\n' + extra + "\n")
    return text.replace('smic = { name = "SMIC" }\n', 'smic = { name = "SMIC" }\n' + labels)


def test_what_charts_and_tables_show_is_checked_and_recorded(tmp_path):
    text = _with_model_keys('headline = "packages"\nbeside = "packages"\n'
                            'headlines = [{ series = "packages", title = "Packages" }]\n'
                            'charts = [{ kind = "stack", var = "flow_out", by = "route", title = "By route" }]\n'
                            'notes = "## Notes\\n\\nSay why."',
                            'default = "smic"\n')
    text += '\n[outputs.flow_out]\ndims = ["route"]\nunits = "die/month"\nlong_name = "Out"\nequation = "taken"\n'
    spec = check_file(_write(tmp_path, text))
    p = spec.presentation
    assert p.headline == "packages" and p.beside == "packages" and p.notes.startswith("## Notes")
    assert p.headlines == (("packages", {}, "Packages"),)
    assert p.charts == ({"name": "stack-flow_out", "kind": "stack", "var": "flow_out", "by": "route",
                         "title": "By route"},)
    assert spec.labels["route"].default == "smic"
    from dieroll.modelfile import build, describe_markdown
    model = build(spec)
    assert model.label_defaults == {"route": "smic"} and model.presentation["headline"] == "packages"
    assert "## Notes\n\nSay why." in describe_markdown(spec)


@pytest.mark.parametrize("extra, labels, message", [
    ('headline = "pakages"', "", "must name one of the model's outputs; did you mean 'packages'?"),
    ('headlines = [{ series = "packages[route=tsmc]", title = "P" }]', "", "packages has no dimension 'route'"),
    ('headlines = [{ series = "packages", title = 3 }]', "", 'must be { series = "name[dim=label]", title'),
    ('headlines = [{ series = "packages(", title = "P" }]', "", "must be an output's series"),
    ('charts = [{ kind = "pie", var = "packages", title = "P" }]', "", "kind must be one of stack, shares, yearly"),
    ('charts = [{ kind = "yearly", var = "packages", title = "P" }]', "", "a yearly chart draws a calendar-year flow"),
    ('charts = [{ kind = "stack", var = "packages", title = "P", by = "route" }]', "",
     "must be one of packages's label sets (none)"),
    ('charts = [{ kind = "shares", var = "packages", title = "P", name = "../x" }]', "",
     "lower-case letters, digits and dashes"),
    ('beside = "nosuch"', "", "must name an output without label sets"),
    ('notes = 3', "", "must be Markdown text"),
    ('colour = "red"', "", "unknown key; [model] has name"),
    ("", 'default = "nosuch"\n', "must be one of its labels (tsmc, smic)"),
    ("", "default = 3\n", "default is a string (a label may not be named 'default')"),
])
def test_presentation_problems_name_the_key(tmp_path, extra, labels, message):
    text, problems = _problems(tmp_path, _with_model_keys(extra, labels))
    assert message in text, text
    assert all(p.line is not None for p in problems)
