"""Check a merged model file and build its :class:`~.spec.ModelSpec`.

Every problem is gathered before anything is raised (:class:`~dieroll.errors.ModelError`),
each with file, line, key, the column in the equation and a "did you mean" for
names: unknown names and functions, names that are Python keywords or begin
with ``_``, mismatched dimensions, cycles among flows and auxiliaries (a stock,
or ``prev()``, breaks a cycle), units that disagree, and sizes past the limits
that keep a hostile file from exhausting the machine.
"""
from __future__ import annotations

import hashlib
import math

import tomli_w

from ..catalog import InputSpec
from ..errors import ModelError, Problem
from ..text import did_you_mean
from .dimensions import TIME_UNITS, UnitSystem
from .expr import ParseError, check_identifier, names_read, parse, signed_terms
from .functions import BUILTINS, FUNCTIONS
from .infer import Context
from .present import check_presentation
from .source import SECTIONS, MergedModel
from .spec import LabelSet, ModelSpec, Variable

__all__ = ["check_model", "MAX_LABELS", "MAX_LABEL_SETS", "MAX_ENTRIES", "MAX_ELEMENTS"]

#: Labels in one label set.
MAX_LABELS = 256
#: Label sets in a model.
MAX_LABEL_SETS = 32
#: Entries (inputs, stocks, flows, auxiliaries, outputs) in a model.
MAX_ENTRIES = 2000
#: Elements (label combinations) of one variable, and of all variables together.
MAX_ELEMENTS = 4096
MAX_TOTAL_ELEMENTS = 50_000

_TOP = ("model", "units", "labels", "remove") + SECTIONS
_MODEL_KEYS = ("name", "title", "description", "extends", "notes", "headline", "headlines", "beside", "charts")
_LABEL_SET_KEYS = ("description", "default")  # the keys of a label set that are not labels
_FIELDS = {
    "inputs": ("units", "description", "range", "path", "group", "source", "note"),
    "stocks": ("units", "dims", "initial", "inflow", "outflow", "change", "by", "description", "source", "note"),
    "flows": ("units", "dims", "equation", "by", "description", "source", "note"),
    "aux": ("units", "dims", "equation", "by", "description", "source", "note"),
    "outputs": ("units", "dims", "equation", "by", "long_name", "year_end", "calendar_year", "source", "note"),
}


_close = did_you_mean


class _Checker:
    def __init__(self, merged: MergedModel):
        self.m = merged
        self.data = merged.data
        self.problems: list[Problem] = []

    def report(self, key, message, value=None, col=None):
        file, line = self.m.line(key)
        if col is not None:
            message = f"{message} (column {col})"
        self.problems.append(Problem(file, key, message, value, line))

    # --- the declarations -------------------------------------------------------------------------------
    def run(self) -> ModelSpec | None:
        d = self.data
        for k in d:
            if k not in _TOP:
                self.report(k, f"unknown table; a model file has {', '.join(_TOP)}{_close(k, _TOP)}", k)
        head = d.get("model")
        if not isinstance(head, dict):
            self.report("model", "missing: a [model] table with name = \"...\" and title = \"...\"")
            head = {}
        name = head.get("name")
        if not isinstance(name, str) or not name.strip():
            self.report("model.name", "must be the model's name, a non-empty string", name)
            name = "model"
        for k in head:
            if k not in _MODEL_KEYS:
                self.report(f"model.{k}", f"unknown key; [model] has {', '.join(_MODEL_KEYS)}{_close(k, _MODEL_KEYS)}",
                            k)
        self.units = self._units(d.get("units", {}))
        self.us = UnitSystem(self.units)
        self.labels = self._labels(d.get("labels", {}))
        n_entries = sum(len(d.get(s) or {}) for s in SECTIONS if isinstance(d.get(s), dict))
        if n_entries > MAX_ENTRIES:
            self.report("model", f"declares {n_entries:,} entries; a model may have at most {MAX_ENTRIES:,}")
            return None
        self.kinds: dict[str, str] = {}
        for section in SECTIONS:
            part = d.get(section, {})
            if not isinstance(part, dict):
                self.report(section, f"must be a table of named entries, such as [{section}.name]", part)
                continue
            for n, entry in part.items():
                self._name(f"{section}.{n}", n)
                if n in self.kinds:
                    self.report(f"{section}.{n}", f"{n!r} is declared twice (also in [{self.kinds[n]}])", n)
                self.kinds[n] = section
        self.inputs, self.input_sources = self._inputs(d.get("inputs", {}))
        self.vars: dict[str, Variable] = {}
        total = 0
        for section, kind in (("stocks", "stock"), ("flows", "flow"), ("aux", "aux"), ("outputs", "output")):
            part = d.get(section, {})
            if not isinstance(part, dict):
                continue
            for n, entry in part.items():
                v = self._variable(section, kind, n, entry)
                if v is not None:
                    self.vars[n] = v
                    total += math.prod(len(self.labels[x].labels) for x in v.dims) if v.dims else 1
        if total > MAX_TOTAL_ELEMENTS:
            self.report("model", f"its variables hold {total:,} elements in all; at most {MAX_TOTAL_ELEMENTS:,}")
        if not any(v.kind == "output" for v in self.vars.values()):
            self.report("outputs", "a model needs at least one output ([outputs.name] with units and equation)")
        if self.problems:
            return None
        for v in list(self.vars.values()):
            self._equations(v)
        order = self._order(("flow", "aux"), "flows and auxiliaries")
        out_order = self._order(("output",), "outputs")
        if self.problems:
            return None
        present = check_presentation(head, {n: v for n, v in self.vars.items() if v.kind == "output"}, self.labels,
                                     self.report)
        if self.problems:
            return None
        text = tomli_w.dumps(self.data)
        return ModelSpec(
            name=name.strip(), title=str(head.get("title", "")), description=str(head.get("description", "")),
            units=self.units, labels=self.labels, inputs=self.inputs, sources=self.input_sources,
            stocks={n: v for n, v in self.vars.items() if v.kind == "stock"},
            flows={n: self.vars[n] for n in order},
            outputs={n: v for n, v in self.vars.items() if v.kind == "output"},
            output_order=out_order, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
            files=list(self.m.files), unit_system=self.us, presentation=present)

    def _name(self, key, n) -> bool:
        why = check_identifier(n)
        if why:
            self.report(key, why, n)
            return False
        if n in FUNCTIONS or n in BUILTINS:
            self.report(key, f"{n!r} is a function or built-in name of the model language", n)
            return False
        return True

    def _units(self, part) -> dict:
        if not isinstance(part, dict):
            self.report("units", "must be a table: unit = \"what one of it is\"", part)
            return {}
        out = {}
        for n, meaning in part.items():
            if not self._name(f"units.{n}", n):
                continue
            if n in TIME_UNITS:
                self.report(f"units.{n}", f"{n!r} is a time unit every model has", n)
                continue
            if not isinstance(meaning, str):
                self.report(f"units.{n}", "must be a string saying what one of it is", meaning)
                continue
            out[n] = meaning
        if len(out) > 64:
            self.report("units", f"declares {len(out)} units; at most 64")
            return {}
        return out

    def _labels(self, part) -> dict:
        out = {}
        if not isinstance(part, dict):
            self.report("labels", "must be tables of labels: [labels.route] tsmc = { name = \"TSMC\" }", part)
            return out
        if len(part) > MAX_LABEL_SETS:
            self.report("labels", f"declares {len(part)} label sets; at most {MAX_LABEL_SETS}")
            return out
        for s, lbls in part.items():
            key = f"labels.{s}"
            if not self._name(key, s):
                continue
            if not isinstance(lbls, dict) or not lbls:
                self.report(key, "must be a table of labels, each with a name (and colour)", lbls)
                continue
            if len(lbls) > MAX_LABELS:
                self.report(key, f"has {len(lbls):,} labels; a label set may have at most {MAX_LABELS}")
                continue
            titles, colours, ok, desc, default = {}, {}, [], "", None
            for lb, info in lbls.items():
                if lb in _LABEL_SET_KEYS:
                    if not isinstance(info, str):
                        self.report(f"{key}.{lb}", f"{lb} is a string (a label may not be named {lb!r})", info)
                    elif lb == "description":
                        desc = info
                    else:
                        default = info
                    continue
                if not self._name(f"{key}.{lb}", lb):
                    continue
                if isinstance(info, str):
                    info = {"name": info}
                if not isinstance(info, dict):
                    self.report(f"{key}.{lb}", "must be { name = \"...\", colour = \"#rrggbb\" }", info)
                    continue
                bad = set(info) - {"name", "colour"}
                if bad:
                    self.report(f"{key}.{lb}", "a label has name and colour only", sorted(bad))
                colour = info.get("colour")
                if colour is not None and not (isinstance(colour, str) and len(colour) == 7 and colour[0] == "#"
                                               and all(c in "0123456789abcdefABCDEF" for c in colour[1:])):
                    self.report(f"{key}.{lb}.colour", "must be a colour written #rrggbb", colour)
                    colour = None
                titles[lb] = str(info.get("name", lb))
                if colour:
                    colours[lb] = colour
                ok.append(lb)
            if default is not None and default not in ok:
                self.report(f"{key}.default", f"must be one of its labels ({', '.join(ok)})", default)
                default = None
            out[s] = LabelSet(s, tuple(ok), titles, colours, desc, default or "")
        return out

    def _inputs(self, part):
        out, sources = {}, {}
        if not isinstance(part, dict):
            return out, sources
        for n, e in part.items():
            key = f"inputs.{n}"
            if not isinstance(e, dict):
                self.report(key, "must be a table with units and description", e)
                continue
            for k in e:
                if k not in _FIELDS["inputs"]:
                    self.report(f"{key}.{k}", f"unknown key; an input has {', '.join(_FIELDS['inputs'])}"
                                f"{_close(k, _FIELDS['inputs'])}", k)
            units = e.get("units")
            try:
                self.us.parse(units)
            except ValueError as exc:
                self.report(f"{key}.units", str(exc), units)
                continue
            lo, hi = -math.inf, math.inf
            rng = e.get("range")
            if rng is not None:
                if (not isinstance(rng, list) or len(rng) != 2 or
                        not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in rng)
                        or not rng[0] < rng[1]):
                    self.report(f"{key}.range", "must be [low, high] with low < high (inf allowed)", rng)
                else:
                    lo, hi = float(rng[0]), float(rng[1])
            path = e.get("path", False)
            if not isinstance(path, bool):
                self.report(f"{key}.path", "must be true (a path over time) or false (one value per draw)", path)
                path = False
            desc = e.get("description", "")
            if not isinstance(desc, str) or not desc.strip():
                self.report(f"{key}.description", "must say what the input is, a non-empty string", desc)
            out[n] = InputSpec(n, units.strip(), str(desc), str(e.get("group", "")), lo, hi, path)
            if isinstance(e.get("source"), str):
                sources[n] = e["source"]
        return out, sources

    def _variable(self, section, kind, n, e):
        key = f"{section}.{n}"
        if not isinstance(e, dict):
            self.report(key, "must be a table with units and an equation", e)
            return None
        allowed = _FIELDS[section]
        for k in e:
            if k not in allowed:
                self.report(f"{key}.{k}", f"unknown key; [{section}] entries have {', '.join(allowed)}"
                            f"{_close(k, allowed)}", k)
        units = e.get("units")
        try:
            unit = self.us.parse(units)
        except ValueError as exc:
            self.report(f"{key}.units", str(exc), units)
            return None
        dims = e.get("dims", [])
        if isinstance(dims, str):
            dims = [dims]
        if not isinstance(dims, list) or not all(isinstance(x, str) for x in dims):
            self.report(f"{key}.dims", "must be a list of label-set names", dims)
            return None
        for x in dims:
            if x not in self.labels:
                self.report(f"{key}.dims", f"no label set {x!r}{_close(x, self.labels)}; label sets are "
                            f"{', '.join(self.labels) or 'none'}", x)
                return None
        if len(set(dims)) != len(dims):
            self.report(f"{key}.dims", "names a label set twice", dims)
            return None
        size = math.prod(len(self.labels[x].labels) for x in dims) if dims else 1
        if size > MAX_ELEMENTS:
            self.report(f"{key}.dims", f"gives {size:,} elements; a variable may have at most {MAX_ELEMENTS:,}")
            return None
        field = "initial" if kind == "stock" else "equation"
        raw = e.get(field)
        if raw is None and kind == "stock":
            raw = "0"
        by = e.get("by")
        texts = {}
        if isinstance(raw, str):
            texts[None] = raw
            by = None
        elif isinstance(raw, dict):
            if by is None:  # the dimension whose labels the keys are
                keys = [k for k in raw if k != "default"]
                owners = [d for d in dims if keys and all(k in self.labels[d].labels for k in keys)]
                by = owners[0] if len(owners) == 1 else (dims[0] if len(dims) == 1 else None)
            if by not in dims:
                self.report(f"{key}.by", f"per-label equations need by = one of its dims ({', '.join(dims) or 'none'})",
                            by)
                return None
            labels = self.labels[by].labels
            default = raw.get("default")
            for lb, text in raw.items():
                if lb != "default" and lb not in labels:
                    self.report(f"{key}.{field}.{lb}", f"{by} has no label {lb!r}{_close(lb, labels)}", lb)
            for lb in labels:
                t = raw.get(lb, default)
                if t is None:
                    self.report(f"{key}.{field}", f"gives no equation for {by}={lb} (give one, or default = \"...\")")
                    continue
                texts[lb] = t
        else:
            self.report(f"{key}.{field}", "must be an equation (a string), or a table of equations per label", raw)
            return None
        file, line = self.m.line(key)
        v = Variable(kind=kind, name=n, dims=tuple(dims), units=units.strip(), unit=unit, equations={}, texts=texts,
                     by=by, description=str(e.get("description", e.get("long_name", ""))),
                     source=str(e.get("source", "")), note=str(e.get("note", "")), file=file, line=line)
        if kind == "output":
            ye, cy = e.get("year_end", False), e.get("calendar_year", False)
            for fld, val in (("year_end", ye), ("calendar_year", cy)):
                if not isinstance(val, bool):
                    self.report(f"{key}.{fld}", "must be true or false", val)
            v.calendar_year = cy is True
            v.year_end = ye is True or v.calendar_year
            if not isinstance(e.get("long_name", ""), str):
                self.report(f"{key}.long_name", "must be a string", e.get("long_name"))
        if kind == "stock":
            for fld in ("inflow", "outflow", "change"):
                t = e.get(fld)
                if t is not None and not isinstance(t, str):
                    self.report(f"{key}.{fld}", "must be an expression (a string), such as \"a + b\"", t)
                elif t is not None:
                    setattr(v, f"{fld}_text", t)
            if v.change_text and (v.inflow_text or v.outflow_text):
                self.report(key, "give a stock's change, or its inflow and outflow, not both")
            if not v.inflow_text and not v.outflow_text and not v.change_text:
                self.report(key, "a stock needs an inflow, an outflow or a change (\"arrivals - losses\")")
        return v

    # --- equations ------------------------------------------------------------------------------------------
    def _parse(self, key, text):
        try:
            return parse(text)
        except ParseError as exc:
            self.report(key, str(exc), None, exc.col)
            return None

    def _equations(self, v: Variable):
        section = {"stock": "stocks", "flow": "flows", "aux": "aux", "output": "outputs"}[v.kind]
        field = "initial" if v.kind == "stock" else "equation"
        context = "initial" if v.kind == "stock" else ("output" if v.kind == "output" else "flow")
        for lb, text in v.texts.items():
            key = f"{section}.{v.name}.{field}" + (f".{lb}" if lb is not None else "")
            tree = self._parse(key, text)
            if tree is None:
                continue
            fixed = {v.by: self.labels[v.by].labels.index(lb)} if lb is not None else {}
            want = v.unit
            if v.calendar_year:
                want = v.unit / self.us.month
            self._expect(key, tree, context, want, v.dims, fixed, f"{v.name}'s units")
            v.equations[lb] = tree
        if v.kind == "stock":
            rate = v.unit / self.us.month
            for fld in ("inflow", "outflow", "change"):
                text = getattr(v, f"{fld}_text")
                if not text:
                    continue
                key = f"{section}.{v.name}.{fld}"
                tree = self._parse(key, text)
                if tree is not None:
                    self._expect(key, tree, "flow", rate, v.dims, {}, f"a flow of a stock of {v.units}")
                    if fld == "change":
                        v.terms = signed_terms(tree)
                    else:
                        v.terms.append((1 if fld == "inflow" else -1, tree))

    def _expect(self, key, tree, context, unit, dims, fixed, what):
        ctx = Context(self, key, context, fixed)
        ty = ctx.infer(tree)
        if ty is None:
            return
        u, ds = ty
        if u is not None and not self.us.same(u, unit):
            hint = (" (convert with per_month() or per_year())" if u.dimensionality == unit.dimensionality else "")
            self.report(key, f"the equation gives {self.us.show(u)} but {what} must be {self.us.show(unit)}{hint}")
        extra = [x for x in ds if x not in dims]
        if extra:
            self.report(key, f"the equation varies by {', '.join(extra)} but the variable's dims are "
                        f"[{', '.join(dims)}]: add the dimension, pick a label (x[label]) or reduce it "
                        f"(sum_over(x, {extra[0]}))")

    def _order(self, kinds, what):
        names = [n for n, v in self.vars.items() if v.kind in kinds]
        deps = {}
        for n in names:
            v = self.vars[n]
            found = []
            for tree in list(v.equations.values()):
                for ref in names_read(tree):
                    if ref in self.vars and self.vars[ref].kind in kinds and ref not in found:
                        found.append(ref)
            deps[n] = found
        order, state = [], dict.fromkeys(names, 0)

        def visit(n, trail):
            if state[n] == 2:
                return True
            if state[n] == 1:
                cyc = trail[trail.index(n):] + [n]
                v = self.vars[n]
                sec = {"flow": "flows", "aux": "aux", "output": "outputs"}[v.kind]
                self.report(f"{sec}.{n}", f"{what} depend on each other in a cycle: {' -> '.join(cyc)} (a stock or "
                            "prev() breaks a cycle)")
                return False
            state[n] = 1
            for dep in deps[n]:
                if not visit(dep, trail + [n]):
                    return False
            state[n] = 2
            order.append(n)
            return True

        for n in names:
            if not visit(n, []):
                break
        return order


def check_model(merged: MergedModel) -> ModelSpec:
    """Check a merged model file; raises :class:`~dieroll.errors.ModelError` listing every problem."""
    chk = _Checker(merged)
    spec = chk.run()
    if chk.problems or spec is None:
        raise ModelError(chk.problems or [Problem(merged.files[0] if merged.files else "", "", "invalid model")])
    return spec

