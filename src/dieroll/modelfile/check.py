"""Check a merged model file and build its :class:`~.spec.ModelSpec`.

Every problem is gathered before anything is raised (:class:`~dieroll.errors.ModelError`),
each with file, line, key, the column in the equation and a "did you mean" for
names: unknown names and functions, names that are Python keywords or begin
with ``_``, mismatched dimensions, cycles among flows and auxiliaries (a stock,
or ``prev()``, breaks a cycle), units that disagree, and sizes past the limits
that keep a hostile file from exhausting the machine.
"""
from __future__ import annotations

import difflib
import hashlib
import math

import tomli_w

from ..catalog import InputSpec
from ..errors import ModelError, Problem
from .dimensions import TIME_UNITS, UnitSystem
from .expr import Binary, Call, Name, Num, ParseError, Select, Unary, check_identifier, parse
from .functions import BUILTINS, DATE_FUNCTIONS, FUNCTIONS, REDUCERS
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
_FIELDS = {
    "inputs": ("units", "description", "range", "path", "group", "source", "note"),
    "stocks": ("units", "dims", "initial", "inflow", "outflow", "change", "by", "description", "source", "note"),
    "flows": ("units", "dims", "equation", "by", "description", "source", "note"),
    "aux": ("units", "dims", "equation", "by", "description", "source", "note"),
    "outputs": ("units", "dims", "equation", "by", "long_name", "year_end", "calendar_year", "source", "note"),
}


def _close(name, candidates) -> str:
    near = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else ""


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
            if k not in ("name", "title", "description", "extends"):
                self.report(f"model.{k}", f"unknown key; [model] has name, title, description, extends"
                            f"{_close(k, ('name', 'title', 'description', 'extends'))}", k)
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
        text = tomli_w.dumps(self.data)
        return ModelSpec(
            name=name.strip(), title=str(head.get("title", "")), description=str(head.get("description", "")),
            units=self.units, labels=self.labels, inputs=self.inputs, sources=self.input_sources,
            stocks={n: v for n, v in self.vars.items() if v.kind == "stock"},
            flows={n: self.vars[n] for n in order},
            outputs={n: v for n, v in self.vars.items() if v.kind == "output"},
            output_order=out_order, text=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
            files=list(self.m.files), unit_system=self.us)

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
            titles, colours, ok, desc = {}, {}, [], ""
            for lb, info in lbls.items():
                if lb == "description" and isinstance(info, str):
                    desc = info
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
            out[s] = LabelSet(s, tuple(ok), titles, colours, desc)
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
        ctx = _Ctx(self, key, context, fixed)
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
                for ref in _refs(tree):
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


def signed_terms(tree) -> list:
    """A stock's change as ``[(+1 or -1, term), ...]`` in the order written: the top-level chain of
    ``+`` and ``-`` (``- lost + arrivals - taken`` gives three terms, applied to the level in turn)."""
    if isinstance(tree, Binary) and tree.op in ("+", "-"):
        return signed_terms(tree.left) + [(1 if tree.op == "+" else -1, tree.right)]
    if isinstance(tree, Unary) and tree.op in ("-", "+"):
        return [(-sign if tree.op == "-" else sign, t) for sign, t in signed_terms(tree.operand)]
    return [(1, tree)]


def _refs(tree):
    """Names an equation reads this month (not inside ``prev()``)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, Call) and node.func == "prev":
            if len(node.args) > 1:
                stack.append(node.args[1])
            continue
        if isinstance(node, Name):
            yield node.id
        elif isinstance(node, Select):
            yield node.base.id
        elif isinstance(node, Unary):
            stack.append(node.operand)
        elif isinstance(node, Binary):
            stack.extend((node.left, node.right))
        elif isinstance(node, Call):
            stack.extend(node.args)


class _Ctx:
    """Units and dimensions of one equation's tree; reports problems through the checker.

    ``context`` is ``flow`` (flows, auxiliaries and a stock's inflow and outflow:
    stocks are their levels at the start of the month), ``output`` (stocks at the
    end of the month; outputs may read outputs) or ``initial`` (a stock's
    initial value or ``prev()``'s first value: scalar inputs and numbers only).
    """

    def __init__(self, chk: _Checker, key, context, fixed):
        self.c = chk
        self.us = chk.us
        self.key = key
        self.context = context
        self.fixed = fixed

    def err(self, node, message):
        self.c.report(self.key, message, None, node.col)
        return None

    def same(self, node, a, b, what):
        """The common unit of ``a`` and ``b`` (a bare number takes the other's)."""
        if a is None:
            return b, True
        if b is None or self.us.same(a, b):
            return a, True
        self.err(node, f"units disagree in {what}: {self.us.show(a)} and {self.us.show(b)}"
                 + (" (convert with per_month() or per_year())" if a.dimensionality == b.dimensionality else ""))
        return a, False

    def infer(self, node):
        """``(unit or None for a bare number, dims as a tuple)`` or None after a problem."""
        m = getattr(self, "_" + type(node).__name__.lower())
        return m(node)

    def _num(self, node):
        if node.unit:
            try:
                return self.us.parse(node.unit), ()
            except ValueError as exc:
                return self.err(node, str(exc))
        return None, ()

    def _date(self, node):
        if self.context == "initial":
            return self.err(node, "a date means nothing in an initial value")
        return self.us.month, ()

    def _lookup(self, node, name):
        c = self.c
        if name in BUILTINS:
            if self.context == "initial":
                return self.err(node, f"{name} means nothing in an initial value (read once at the run start)")
            return self.us.month, ()
        if name in c.inputs:
            spec = c.inputs[name]
            if self.context == "initial" and spec.path:
                return self.err(node, f"{name} is a path: an initial value reads scalar inputs and numbers only")
            return self.us.parse(spec.units), ()
        v = c.vars.get(name)
        if v is None:
            if name in c.labels:
                return self.err(node, f"{name!r} is a label set; it goes in sum_over(x, {name}) and the like")
            known = list(c.inputs) + list(c.vars) + list(BUILTINS)
            return self.err(node, f"unknown name {name!r}{_close(name, known)}")
        if self.context == "initial":
            return self.err(node, f"{name} is a {v.kind}: an initial value reads scalar inputs and numbers only")
        if self.context == "flow" and v.kind == "output":
            return self.err(node, f"{name} is an output, computed after the stocks at the end of the month: flows "
                            "and auxiliaries cannot read it (make it an auxiliary, which outputs can read)")
        dims = tuple(d for d in v.dims if d not in self.fixed)
        return v.unit, dims

    def _name(self, node):
        return self._lookup(node, node.id)

    def _select(self, node):
        ty = self._lookup(node, node.base.id)
        if ty is None:
            return None
        v = self.c.vars.get(node.base.id)
        if v is None or not v.dims:
            return self.err(node, f"{node.base.id} has no dimensions to pick a label from")
        dims = list(ty[1])
        for dim, label, col in node.picks:
            if dim is None:
                owners = [d for d in v.dims if label in self.c.labels[d].labels]
                if len(owners) != 1:
                    alll = [lb for d in v.dims for lb in self.c.labels[d].labels]
                    if not owners:
                        return self.err(node, f"{node.base.id} has no label {label!r}{_close(label, alll)}")
                    return self.err(node, f"{label!r} is a label of {' and '.join(owners)}: write "
                                    f"{node.base.id}[{owners[0]}={label}]")
                dim = owners[0]
            elif dim not in v.dims:
                return self.err(node, f"{node.base.id} has no dimension {dim!r}; its dims are {', '.join(v.dims)}")
            elif label not in self.c.labels[dim].labels:
                return self.err(node, f"{dim} has no label {label!r}{_close(label, self.c.labels[dim].labels)}")
            if dim in self.fixed:
                continue  # another label than the equation's own: read there
            if dim not in dims:
                return self.err(node, f"{dim} is picked twice")
            dims.remove(dim)
        return ty[0], tuple(dims)

    def _unary(self, node):
        ty = self.infer(node.operand)
        if ty is None:
            return None
        if node.op == "not":
            return self.us.one, ty[1]
        return ty

    def _binary(self, node):
        a, b = self.infer(node.left), self.infer(node.right)
        if a is None or b is None:
            return None
        dims = _union(a[1], b[1])
        op = node.op
        if op in ("+", "-"):
            u, ok = self.same(node, a[0], b[0], f"'{op}'")
            return (u, dims) if ok else None
        if op in ("<", "<=", ">", ">=", "==", "!="):
            _, ok = self.same(node, a[0], b[0], f"'{op}'")
            return (self.us.one, dims) if ok else None
        if op in ("and", "or"):
            return self.us.one, dims
        if op == "*":
            if a[0] is None and b[0] is None:
                return None, dims
            return (a[0] or self.us.one) * (b[0] or self.us.one), dims
        if op == "/":
            if a[0] is None and b[0] is None:
                return None, dims
            return (a[0] or self.us.one) / (b[0] or self.us.one), dims
        # power
        if b[0] is not None and not self.us.dimensionless(b[0]):
            return self.err(node, f"an exponent must be dimensionless, not {self.us.show(b[0])}")
        if a[0] is None or self.us.dimensionless(a[0]):
            return a[0], dims
        if isinstance(node.right, Num) and node.right.value == int(node.right.value) and abs(node.right.value) <= 4:
            return a[0] ** int(node.right.value), dims
        return self.err(node, f"{self.us.show(a[0])} can be raised only to a whole number (written as a number); "
                        "make the base dimensionless first")

    def _call(self, node):
        f = node.func
        if f not in FUNCTIONS:
            return self.err(node, f"unknown function {f!r}{_close(f, FUNCTIONS)}; functions are "
                            f"{', '.join(FUNCTIONS)}")
        lo, hi, _ = FUNCTIONS[f]
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} or {hi}")
            return self.err(node, f"{f}() takes {want} arguments, got {n}")
        if self.context == "initial" and (f in DATE_FUNCTIONS or f in ("prev", "ytd")):
            return self.err(node, f"{f}() means nothing in an initial value (read once at the run start)")
        if f in REDUCERS or f == "allocate":
            dim_node = node.args[-1]
            if not isinstance(dim_node, Name) or dim_node.id not in self.c.labels:
                return self.err(node, f"{f}()'s last argument is a label set ({', '.join(self.c.labels) or 'none'})")
            dim = dim_node.id
            if dim in self.fixed:
                return self.err(node, f"{dim} is fixed by the per-label equation; it cannot be reduced here")
            args = [self.infer(a) for a in node.args[:-1]]
            if any(a is None for a in args):
                return None
            x = args[-1]
            if dim not in x[1]:
                return self.err(node, f"{f}(): the expression does not vary by {dim}")
            rest = tuple(d for d in x[1] if d != dim)
            if f == "allocate":
                u, ok = self.same(node, args[0][0], x[0], "allocate(supply, demand)")
                if not ok:
                    return None
                if dim in args[0][1]:
                    return self.err(node, "allocate(): the supply must not vary by the dimension it is shared over")
                return x[0] if x[0] is not None else u, _union(args[0][1], x[1])
            return x[0], rest
        if f == "prev":
            target = node.args[0]
            tname = target.base.id if isinstance(target, Select) else getattr(target, "id", None)
            if not isinstance(target, (Name, Select)):
                return self.err(node, "prev() reads a flow, auxiliary, output or path input by name")
            if tname in self.c.vars and self.c.vars[tname].kind == "stock":
                return self.err(node, f"{tname} is a stock: in a flow it already is last month's level")
            if tname in self.c.inputs and not self.c.inputs[tname].path:
                return self.err(node, f"{tname} is a scalar input: it is the same every month")
            saved = self.context
            if self.context == "flow" and tname in self.c.vars and self.c.vars[tname].kind == "output":
                self.context = "output"  # last month's output is known
            ty = self.infer(target)
            self.context = saved
            if ty is None:
                return None
            if len(node.args) == 2:
                init = _Ctx(self.c, self.key, "initial", self.fixed).infer(node.args[1])
                if init is None:
                    return None
                if init[1]:
                    return self.err(node, "prev()'s first value must not vary by a label set")
                _, ok = self.same(node, ty[0], init[0], "prev(x, first)")
                if not ok:
                    return None
            return ty
        args = [self.infer(a) for a in node.args]
        if any(a is None for a in args):
            return None
        dims = ()
        for a in args:
            dims = _union(dims, a[1])
        us = self.us
        if f in ("min", "max"):
            u = None
            for a in args:
                u, ok = self.same(node, u, a[0], f"{f}()")
                if not ok:
                    return None
            return u, dims
        if f == "clip":
            u, ok = self.same(node, args[0][0], args[1][0], "clip()")
            u, ok2 = self.same(node, u, args[2][0], "clip()")
            return (u, dims) if ok and ok2 else None
        if f == "where":
            u, ok = self.same(node, args[1][0], args[2][0], "where(condition, a, b)")
            return (u, dims) if ok else None
        if f in ("abs", "floor"):
            return args[0][0], dims
        if f in ("exp", "log", "sqrt"):
            if args[0][0] is not None and not us.dimensionless(args[0][0]):
                return self.err(node, f"{f}() takes a dimensionless number, not {us.show(args[0][0])}")
            return args[0][0], dims
        if f == "fill":
            _, ok = self.same(node, args[0][0], args[1][0], "fill(supply, demand)")
            return (us.one, dims) if ok else None
        if f in ("between", "after", "before", "months_since", "spread_between"):
            for a, arg in zip(args, node.args):
                if a[0] is not None and not us.same(a[0], us.month):
                    return self.err(arg, f"{f}() takes months (YYYY-MM or a month), not {us.show(a[0])}")
            if f == "months_since":
                return us.month, dims
            if f == "spread_between":
                return us.one / us.month, dims
            return us.one, dims
        if f == "spread":
            for a, arg in zip(args, node.args):
                if a[0] is not None and not us.same(a[0], us.month):
                    return self.err(arg, f"spread(first, months) takes months, not {us.show(a[0])}")
            return us.one / us.month, dims
        if f == "month_of":
            if args[0][0] is not None and not us.same(args[0][0], us.year):
                return self.err(node, f"month_of() takes a decimal year (units year), not {us.show(args[0][0])}")
            return us.month, dims
        if f in ("per_month", "per_year"):
            u = args[0][0] or us.one
            return (u * us.year / us.month if f == "per_month" else u * us.month / us.year), dims
        if f in ("monthly_rate", "monthly_survival"):
            if args[0][0] is not None and not us.per_year(args[0][0]):
                return self.err(node, f"{f}() takes a yearly fraction (units 1/year), not {us.show(args[0][0])}")
            return (us.one / us.month if f == "monthly_rate" else us.one), dims
        if f == "ytd":
            return (args[0][0] or us.one) * us.month, dims
        raise AssertionError(f)  # every function of FUNCTIONS is handled above


def _union(a, b):
    return tuple(a) + tuple(x for x in b if x not in a)


def check_model(merged: MergedModel) -> ModelSpec:
    """Check a merged model file; raises :class:`~dieroll.errors.ModelError` listing every problem."""
    chk = _Checker(merged)
    spec = chk.run()
    if chk.problems or spec is None:
        raise ModelError(chk.problems or [Problem(merged.files[0] if merged.files else "", "", "invalid model")])
    return spec

