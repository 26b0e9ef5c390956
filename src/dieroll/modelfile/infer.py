"""The units and label dimensions of an equation's tree, as the checker infers them.

:class:`Context` walks one equation's tree (:mod:`.expr`) and returns, for each
node, its unit (a pint unit of the model's :class:`~.dimensions.UnitSystem`,
or ``None`` for a bare number) and its label dimensions; a problem is reported
through the checker (:mod:`.check`) with the equation's key and the node's
column, and the walk goes on, so that every problem is reported at once.
"""
from __future__ import annotations

from ..text import did_you_mean
from .expr import Num, Name, Select
from .functions import BUILTINS, DATE_FUNCTIONS, FUNCTIONS, REDUCERS

__all__ = ["Context"]


_close = did_you_mean


class Context:
    """Units and dimensions of one equation's tree; reports problems through the checker.

    ``context`` is ``flow`` (flows, auxiliaries and a stock's inflow and outflow:
    stocks are their levels at the start of the month), ``output`` (stocks at the
    end of the month; outputs may read outputs) or ``initial`` (a stock's
    initial value or ``prev()``'s first value: scalar inputs and numbers only).
    """

    def __init__(self, chk, key, context, fixed):
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
                init = Context(self.c, self.key, "initial", self.fixed).infer(node.args[1])
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
