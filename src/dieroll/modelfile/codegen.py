"""Compile a checked model into a numba kernel the engine runs.

The kernel's Python source is generated from the checked trees only (never
from the file's text): every name becomes a row index into the kernel's
arrays and every number is written by ``repr(float)``, so nothing of the
user's text reaches the generated code.  The source is written to numba's
cache folder under a name made of its SHA-256 and imported from there, so a
second run (or a dask worker) loads the compiled machine code from numba's
on-disk cache instead of compiling again.

The kernel has the structure of a hand-written one: draws in blocks of 128,
months outer, draws innermost, each block's values in flat arrays where a row
is a constant offset (so the compiler sees that rows do not overlap).  Each
month, in order:

1. every path input is interpolated (:func:`dieroll._months.paths_month`);
2. calendar-year sums (``ytd()``, ``calendar_year`` outputs) restart in January
   and at the run's first month;
3. flows and auxiliaries are computed in dependency order, each label
   combination one statement, consecutive statements joined into loops of
   about eight (short loops vectorise; one loop for the whole month does not);
   a stock named in them is its level at the start of the month;
4. every stock's change is applied to its level term by term, in the order written
   (``(level + inflow) - outflow``);
5. outputs are computed in dependency order (stocks at their new level);
6. ``prev()`` remembers this month's values;
7. outputs are copied into the chunk (streaming stores where they can be).
"""
from __future__ import annotations

import hashlib
import importlib.util
import re
import math
import os
import sys
import tempfile
from pathlib import Path

import numba
import numpy as np

from .expr import Binary, Date, Name, Num, Select, Unary, names_read
from .spec import ModelSpec

__all__ = ["generate", "load_kernel", "CompiledKernel"]

_BLOCK = 128
#: Statements per loop over a block's lanes: consecutive equations are joined until a loop holds
#: at least this many (docs/performance.md: 8 was the fastest of 1, 2, 4, 8, 16 and the whole month)
_FUSE = 8
#: Functions whose value depends on the month or on last month's state.
FUNCTIONS_OF_TIME = ("prev", "ytd", "between", "after", "before", "months_since", "spread", "spread_between")


_STATE_ROW = re.compile(r"st\[(\d+), j\]\Z")
_SIMPLE = re.compile(r"(st|sb|pv|ob)\[\d+, j\]\Z|-?[0-9.e+-]+\Z")


def _fill(supply: str, demand: str) -> str:
    """The share of ``demand`` a scarce ``supply`` meets, written out rather than called, so
    that the loop around it vectorises: 1 when it suffices or nothing is demanded."""
    return f"(1.0 if ({demand} <= {supply} or {demand} <= 0.0) else {supply} / {demand})"


def _num(v: float) -> str:
    if math.isinf(v):
        return "math.inf" if v > 0 else "(-math.inf)"
    return repr(float(v))


class _Emitter:
    """Rows of every variable, input and state, and the code of each equation."""

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.scalars = {n: i for i, n in enumerate(n for n, s in spec.inputs.items() if not s.path)}
        self.paths = {n: i for i, n in enumerate(n for n, s in spec.inputs.items() if s.path)}
        self.nstate = 0
        self.rows: dict[str, int] = {}
        for v in list(spec.stocks.values()) + list(spec.flows.values()):
            self.rows[v.name] = self._alloc(self._size(v.dims))
        self.stock_rows = [self.rows[n] + k for n, v in spec.stocks.items() for k in range(self._size(v.dims))]
        self.out_first, r = {}, 0
        for name in spec.outputs:  # the contract's order: declaration order
            self.out_first[name] = r
            r += self._size(spec.outputs[name].dims)
        self.n_series = r
        self.prev_rows: dict[tuple, int] = {}   # (name, flat) -> state row
        self.ytd_rows: list[int] = []
        self.ytd_of: dict[tuple, int] = {}      # (node id, env key) -> state row
        self.prev_init: dict[tuple, tuple] = {}  # (name, flat) -> (first value's tree, labels)
        self.hoisted: dict[str, int] = {}        # an invariant subexpression -> its row
        self.alias: dict[tuple, str] = {}        # (name, flat) -> the code that reads its value
        self.out_alias: dict[int, int] = {}      # output row -> the state row that holds its value
        self.computed: dict[str, str] = {}       # code -> where its value was stored
        self.hoisted_init: list[str] = []

    def _alloc(self, n):
        r = self.nstate
        self.nstate += n
        return r

    def _size(self, dims):
        return math.prod(self.spec.shape(dims)) if dims else 1

    # --- expressions -----------------------------------------------------------------------------------
    def var_ref(self, name, env, phase):
        spec = self.spec
        if name == "month":
            return "af"
        if name == "first_month":
            return "fm"
        if name in self.scalars:
            return f"sb[{self.scalars[name]}, j]"
        if name in self.paths:
            return f"pv[{self.paths[name]}, j]"
        v = spec.variable(name)
        flat = spec.flat(v.dims, env)
        if v.kind == "output":
            r = self.out_first[name] + flat
            if r in self.out_alias:
                return f"st[{self.out_alias[r]}, j]"
            return f"ob[{r}, j]"
        r = self.rows[name] + flat
        if v.kind != "stock" and (name, flat) in self.alias:
            return self.alias[(name, flat)]
        return f"st[{r}, j]"

    def assign(self, name, flat, code, pre) -> list[str]:
        """The statements that give a flow's or auxiliary's element its value: none when the
        value is another value already at hand (an input, or an element computed by the same
        code), which is then read in its place."""
        if not pre:
            if _SIMPLE.match(code) and not self.reads_stock(code):  # a stock's row changes at the stocks
                self.alias[(name, flat)] = code
                return []
            if code in self.computed:
                self.alias[(name, flat)] = self.computed[code]
                return []
        target = self.var_ref(name, dict(zip(self.spec.variable(name).dims, self._unflat(name, flat))), "flow")
        if not pre:
            self.computed[code] = target
        return pre + [f"{target} = {code}"]

    def reads_stock(self, code: str) -> bool:
        """True when ``code`` reads a stock's row, whose value changes when the stocks are updated."""
        return any(f"st[{r}, j]" in code for r in self.stock_rows)

    def _unflat(self, name, flat):
        dims = self.spec.variable(name).dims
        return [int(x) for x in np.unravel_index(flat, self.spec.shape(dims))] if dims else []

    def invariant(self, node) -> bool:
        """True when ``node`` reads only scalar inputs and numbers: the same every month."""
        if isinstance(node, Num):
            return True
        if isinstance(node, (Date, Select)):
            return False
        if isinstance(node, Name):
            return node.id in self.scalars
        if isinstance(node, Unary):
            return self.invariant(node.operand)
        if isinstance(node, Binary):
            return self.invariant(node.left) and self.invariant(node.right)
        if node.func in FUNCTIONS_OF_TIME:
            return False
        return all(self.invariant(a) for a in node.args)

    def emit(self, node, env, pre, phase):
        """Code for ``node`` at labels ``env``; statements it needs first go to ``pre``.

        A subexpression that reads only scalar inputs (``monthly_rate(attrition)``) is
        computed once per draw in ``_init`` and read from its row every month: the
        same arithmetic, so the same bits.
        """
        if phase != "initial" and not isinstance(node, (Num, Name)) and self.invariant(node):
            key = repr(node)
            if key not in self.hoisted:
                r = self._alloc(1)
                self.hoisted[key] = r
                self.hoisted_init.append(f"st[{r}, j] = {self._emit(node, {}, [], 'initial')}")
            return f"st[{self.hoisted[key]}, j]"
        return self._emit(node, env, pre, phase)

    def _emit(self, node, env, pre, phase):
        if isinstance(node, Num):
            return _num(node.value)
        if isinstance(node, Date):
            return _num(node.month)
        if isinstance(node, Name):
            return self.var_ref(node.id, env, phase)
        if isinstance(node, Select):
            env2 = dict(env)
            v = self.spec.variable(node.base.id)
            for dim, label, _ in node.picks:
                if dim is None:
                    dim = next(d for d in v.dims if label in self.spec.labels[d].labels)
                env2[dim] = self.spec.labels[dim].labels.index(label)
            return self.var_ref(node.base.id, env2, phase)
        if isinstance(node, Unary):
            x = self.emit(node.operand, env, pre, phase)
            if node.op == "not":
                return f"(1.0 if {x} == 0.0 else 0.0)"
            return f"(-{x})" if node.op == "-" else x
        if isinstance(node, Binary):
            a = self.emit(node.left, env, pre, phase)
            b = self.emit(node.right, env, pre, phase)
            op = node.op
            # x * 1 and x / 1 are x, bit for bit (IEEE 754): "* 1 [month]" converts units, not values
            if op in ("*", "/") and isinstance(node.right, Num) and node.right.value == 1.0:
                return a
            if op == "*" and isinstance(node.left, Num) and node.left.value == 1.0:
                return b
            if op in ("+", "-", "*", "/", "**"):
                return f"({a} {op} {b})"
            if op == "and":
                return f"(1.0 if ({a} != 0.0 and {b} != 0.0) else 0.0)"
            if op == "or":
                return f"(1.0 if ({a} != 0.0 or {b} != 0.0) else 0.0)"
            return f"(1.0 if {a} {op} {b} else 0.0)"
        return self.call(node, env, pre, phase)

    def _over(self, node, env, pre, phase):
        dim = node.args[-1].id
        terms = []
        for k in range(len(self.spec.labels[dim].labels)):
            terms.append(self.emit(node.args[-2], {**env, dim: k}, pre, phase))
        return terms

    def call(self, node, env, pre, phase):
        f = node.func
        if f == "sum_over":
            return "(" + " + ".join(self._over(node, env, pre, phase)) + ")"
        if f in ("min_over", "max_over"):
            terms = self._over(node, env, pre, phase)
            return terms[0] if len(terms) == 1 else f"{f[:3]}({', '.join(terms)})"
        if f == "allocate":
            supply = self.emit(node.args[0], env, pre, phase)
            total = "(" + " + ".join(self._over(node, env, pre, phase)) + ")"
            dim = node.args[-1].id
            if dim not in env:
                raise ValueError("allocate() outside its dimension")  # the checker refuses this
            return f"({self.emit(node.args[1], env, pre, phase)} * {_fill(supply, total)})"
        if f == "prev":
            target = node.args[0]
            name = target.base.id if isinstance(target, Select) else target.id
            env2 = dict(env)
            if isinstance(target, Select):
                v = self.spec.variable(name)
                for dim, label, _ in target.picks:
                    if dim is None:
                        dim = next(d for d in v.dims if label in self.spec.labels[d].labels)
                    env2[dim] = self.spec.labels[dim].labels.index(label)
            v = self.spec.variable(name)
            dims = v.dims if v is not None else ()
            key = (name, self.spec.flat(dims, env2) if dims else 0)
            if key not in self.prev_rows:
                self.prev_rows[key] = self._alloc(1)
                self.prev_init[key] = (node.args[1] if len(node.args) > 1 else None, dict(env2))
            return f"st[{self.prev_rows[key]}, j]"
        if f == "ytd":
            x = self.emit(node.args[0], env, pre, phase)
            key = (id(node), tuple(sorted(env.items())))
            if key not in self.ytd_of:
                self.ytd_of[key] = self._alloc(1)
                self.ytd_rows.append(self.ytd_of[key])
            r = self.ytd_of[key]
            pre.append(f"st[{r}, j] = st[{r}, j] + {x}")
            return f"st[{r}, j]"
        args = [self.emit(a, env, pre, phase) for a in node.args]
        if f in ("min", "max"):
            return f"{f}({', '.join(args)})"
        if f == "fill":
            return _fill(args[0], args[1])
        if f == "spread":
            lo, hi = f"max(af, {args[0]})", f"min(af + 1.0, {args[0]} + {args[1]})"
            return f"(({hi} - {lo}) / {args[1]} if {hi} > {lo} else 0.0)"
        if f in _TEMPLATES:
            return _TEMPLATES[f].format(*args)
        raise ValueError(f"no code for {f}()")  # the checker admits only FUNCTIONS


#: The code of each function that is one expression of its arguments (``af``: this month).
_TEMPLATES = {
    "clip": "min(max({0}, {1}), {2})",
    "where": "({1} if {0} != 0.0 else {2})",
    "abs": "abs({0})",
    "floor": "float(math.floor({0}))",
    "exp": "math.exp({0})",
    "log": "math.log({0})",
    "sqrt": "math.sqrt({0})",
    "between": "(1.0 if {0} <= af <= {1} else 0.0)",
    "after": "(1.0 if af >= {0} else 0.0)",
    "before": "(1.0 if af < {0} else 0.0)",
    "months_since": "(af - {0})",
    "spread_between": "(1.0 / ({1} - {0} + 1.0) if {0} <= af <= {1} else 0.0)",
    "month_of": "float(math.floor(12.0 * {0}))",
    "per_month": "({0} / 12.0)",
    "per_year": "({0} * 12.0)",
    "monthly_rate": "(1.0 - (1.0 - {0}) ** (1.0 / 12.0))",
    "monthly_survival": "((1.0 - {0}) ** (1.0 / 12.0))",
}

_DEF = re.compile(r"st\[(\d+), j\] = (.*)\Z")


def _inline_single_uses(loops, em, stocks_from):
    """Write a flow or auxiliary that is read once, in one later equation, into that equation
    instead of into a row of its own: the same operations in the same order (the same bits),
    one loop and one row fewer.  Not where the flow reads a stock and the equation runs after
    the stocks are updated (loops from ``stocks_from`` on): there the stock has its new level."""
    items = [list(body) for body in loops]
    flow_rows = set()
    for name, first in em.rows.items():
        if name in em.spec.flows:
            flow_rows.update(range(first, first + em._size(em.spec.flows[name].dims)))
    kept = set(em.out_alias.values()) | set(em.prev_rows.values())
    text = "\n".join(stmt for item in items for stmt in item)
    for k, item in enumerate(items):
        m = _DEF.match(item[0]) if len(item) == 1 else None
        if not m or int(m.group(1)) not in flow_rows or int(m.group(1)) in kept:
            continue
        ref = f"st[{m.group(1)}, j]"
        if text.count(ref) != 2:  # its definition and one use
            continue
        for j, later in enumerate(items[k + 1:], start=k + 1):
            hit = [i for i, stmt in enumerate(later) if ref in stmt]
            if hit:
                if j < stocks_from or not em.reads_stock(m.group(2)):
                    later[hit[0]] = later[hit[0]].replace(ref, f"({m.group(2)})")
                    item.clear()
                break
    return [item for item in items if item]


def _fused(loops, k):
    """Consecutive loops joined into loops of at least ``k`` statements.  Every statement works
    on draw ``j`` alone, so running them in order inside one loop gives the same values."""
    out, cur = [], []
    for body in loops:
        cur += body
        if len(cur) >= k:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return out


def _label(spec, v, env):
    """The label of ``v``'s per-label dimension at ``env`` (``None``: one equation for all)."""
    return spec.labels[v.by].labels[env[v.by]] if v.by else None


def _series_name(spec, name, env):
    """A series as :meth:`dieroll.contract.OutputContract.where` reads it."""
    labels = ", ".join(f"{d}={spec.labels[d].labels[k]}" for d, k in env.items())
    return f"{name}[{labels}]" if labels else name


_ROW = re.compile(r"\b(st|sb|pv|ob)\[(\d+), j\]")


def _loop(lines, body, indent):
    """A loop over every lane of the block: ``x[row, j]`` is written ``x[row * _B + j]`` on the
    flat block arrays, so that each row is a constant offset and the compiler sees that rows
    do not overlap (no run-time overlap checks; loops vectorise and can be joined).  Lanes past
    the block's last draw compute on whatever the arrays hold and are never written out."""
    pad = " " * indent
    lines.append(f"{pad}for j in range(_B):")
    for stmt in body:
        lines.append(f"{pad}    " + _ROW.sub(lambda m: f"{m.group(1)}[{int(m.group(2)) * _BLOCK} + j]", stmt))


def generate(spec: ModelSpec) -> str:
    """The kernel module's Python source for ``spec`` (:func:`generate_with_identical`'s first half)."""
    return generate_with_identical(spec)[0]


def generate_with_identical(spec: ModelSpec) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The kernel module's Python source for ``spec``, and the output series equal by
    construction (:attr:`Model.identical <dieroll.catalog.Model.identical>`): those written
    from one state row, or by the same code from the same values.  The reducers count one
    of each such pair, and every chunk checks the pair bit for bit.

    Each label combination of each equation is one short loop over the block's
    draws; statements are joined into loops of ``_FUSE`` (short loops vectorise, a
    loop of the whole month does not: ``docs/performance.md``).
    """
    em = _Emitter(spec)
    loops: list[list[str]] = []   # the statements of each loop over the block's draws
    # 3. flows and auxiliaries
    for v in spec.flows.values():
        for env in spec.elements(v.dims):
            pre: list[str] = []
            code = em.emit(v.equation_for(_label(spec, v, env)), env, pre, "flow")
            stmts = em.assign(v.name, spec.flat(v.dims, env), code, pre)
            if stmts:
                loops.append(stmts)
    # 4. stocks: every change from the start-of-month levels; in place unless a stock's change
    #    reads a stock, which must then still see the start-of-month level (staged rows)
    stocks_from = len(loops)  # loops from here on run after the stocks are updated
    in_place = not any(r in spec.stocks for v in spec.stocks.values() for _, t in v.terms for r in names_read(t))
    staged = []
    for v in spec.stocks.values():
        for env in spec.elements(v.dims):
            pre: list[str] = []
            r = em.rows[v.name] + spec.flat(v.dims, env)
            new = f"st[{r}, j]"
            for sign, term in v.terms:
                new = f"({new} {'+' if sign > 0 else '-'} {em.emit(term, env, pre, 'flow')})"
            target = f"st[{r}, j]" if in_place else f"st[{em._alloc(1)}, j]"
            loops.append(pre + [f"{target} = {new}"])
            if not in_place:
                staged.append((r, target))
    loops += [[f"st[{r}, j] = {stage}"] for r, stage in staged]
    # 5. outputs
    value_of: dict[tuple, str] = {}   # how an output's value is made -> the first series made so
    identical = []
    for name in spec.output_order:
        v = spec.outputs[name]
        for env in spec.elements(v.dims):
            pre = []
            code = em.emit(v.equation_for(_label(spec, v, env)), env, pre, "output")
            r = em.out_first[name] + spec.flat(v.dims, env)
            key = None if pre else (v.calendar_year, code)
            if v.calendar_year:
                y = em._alloc(1)
                em.ytd_rows.append(y)
                pre.append(f"st[{y}, j] = st[{y}, j] + {code}")
                code = f"st[{y}, j]"
            same = _STATE_ROW.match(code)
            series = _series_name(spec, name, env)
            if key is not None:
                if key in value_of:
                    identical.append((series, value_of[key]))
                else:
                    value_of[key] = series
            if same and not pre and int(same.group(1)) not in em.prev_rows.values():
                # the chunk is written from that row, which keeps its value to the month's end: no copy
                em.out_alias[r] = int(same.group(1))
                continue
            loops.append(pre + [f"ob[{r}, j] = {code}"])
    # 6. prev()
    init = []
    for (name, flat), r in em.prev_rows.items():
        first, _ = em.prev_init[(name, flat)]
        v = spec.variable(name)
        env = dict(zip(v.dims, em._unflat(name, flat))) if v is not None else {}
        loops.append([f"st[{r}, j] = {em.var_ref(name, env, 'output')}"])
        init.append(f"st[{r}, j] = {em.emit(first, {}, [], 'initial') if first is not None else '0.0'}")
    init = em.hoisted_init + init
    month: list[str] = []
    for body in _fused(_inline_single_uses(loops, em, stocks_from), _FUSE):
        _loop(month, body, 4)
    # stock initial values
    for v in spec.stocks.values():
        for env in spec.elements(v.dims):
            code = em.emit(v.equation_for(_label(spec, v, env)), env, [], "initial")
            init.append(f"st[{em.rows[v.name] + spec.flat(v.dims, env)}, j] = {code}")
    restart = [f"st[{r}, j] = 0.0" for r in em.ytd_rows]
    src = [
        f'"""Kernel of model {spec.name!r} (model sha256 {spec.sha256}), generated by dieroll.modelfile.codegen."""',
        "import math",
        "import numpy as np",
        "from numba import prange",
        "from dieroll._jit import kernel",
        "from dieroll._months import by_draw, paths_month",
        "from dieroll._stream import store_fence, stream8",
        "",
        f"N_SERIES = {em.n_series}",
        "# the row each output is written from, and whether that row is in st (else ob)",
        f"OUT_ROW = np.array({[em.out_alias.get(q, q) for q in range(em.n_series)]}, dtype=np.int64)",
        f"OUT_ST = np.array({[q in em.out_alias for q in range(em.n_series)]}, dtype=np.bool_)",
        f"N_STATE = {max(em.nstate, 1)}",
        f"_B = {_BLOCK}",
        "",
        "",
        "@kernel",
        "def _init(sb, nb, abs0, st):",
        "    fm = float(abs0)",
    ]
    if init:
        _loop(src, init, 4)
    src += [
        "",
        "",
        "@kernel",
        "def _month(t, a, abs0, nb, pv, st, sb, ob):",
        "    af = float(a)",
        "    fm = float(abs0)",
    ]
    if restart:
        src.append("    if t == 0 or a % 12 == 0:")
        _loop(src, restart, 8)
    src += month
    src += _BLOCK_SOURCE.splitlines()
    return "\n".join(src) + "\n", tuple(identical)


_BLOCK_SOURCE = '''

@kernel
def _block(sc, knots, j0, nb, abs0, grid, scratch, out, outf, stream, write):
    """Draws ``j0 .. j0 + nb - 1`` (a block) month by month into the chunk ``out``."""
    kb, pv, rat, step, st, sb, ob = scratch
    obf = ob.reshape(-1)
    stf = st.reshape(-1)
    pvf = pv.reshape(-1)
    sbf = sb.reshape(-1)
    T = out.shape[1]
    n = out.shape[2]
    bw = ob.shape[1]
    by_draw(sc, j0, nb, sb)
    by_draw(knots, j0, nb, kb)
    _init(sbf, nb, abs0, stf)
    u0 = np.uint64(j0)
    for t in range(T):
        a = abs0 + t
        paths_month(t, nb, grid, kb, pv, rat, step)
        _month(t, a, abs0, nb, pvf, stf, sbf, obf)
        ut = np.uint64(t)
        for q in range(ob.shape[0]):
            if not write[q, t]:
                continue
            uq = np.uint64(q)
            src = stf if OUT_ST[q] else obf
            row = OUT_ROW[q]
            j = 0
            if stream:
                f0 = (q * T + t) * n + j0
                while j + 8 <= nb:
                    stream8(outf, f0 + j, src, row * bw + j)
                    j += 8
            for i in range(j, nb):
                out[uq, ut, u0 + np.uint64(i)] = src[row * bw + i]


@kernel(parallel=True)
def run_chunk(scalars, knots, abs0, grid, nthreads, out, outf, stream, write):
    """Every draw of the chunk (``scalars (n, S)``, ``knots (n, K)``, the paths' months
    ``grid``) into ``out (series, T, n)``: rows ``write[q, t]`` only, streamed into
    ``outf`` (``out`` flat) where ``stream``."""
    n = scalars.shape[0]
    P = grid.koff.shape[0]
    nblocks = (n + _B - 1) // _B
    nthr = max(1, min(nthreads, nblocks))
    for tid in prange(nthr):
        # zeros: the lanes past a short last block compute on them (never on stale bits)
        pv = np.zeros((max(P, 1), _B))
        st = np.zeros((N_STATE, _B))
        sb = np.zeros((max(scalars.shape[1], 1), _B))
        kb = np.empty((max(knots.shape[1], 1), _B))
        ob = np.zeros((N_SERIES, _B))
        rat = np.empty((2 * max(P, 1), _B))
        step = np.empty(max(P, 1))
        scratch = (kb, pv, rat, step, st, sb, ob)
        for b in range(tid * nblocks // nthr, (tid + 1) * nblocks // nthr):
            j0 = b * _B
            nb = min(n, j0 + _B) - j0
            _block(scalars, knots, j0, nb, abs0, grid, scratch, out, outf, stream, write)
        if stream:
            store_fence()
'''


def _kernel_dir() -> Path:
    return Path(numba.config.CACHE_DIR or tempfile.gettempdir()) / "models"


def load_kernel(source: str):
    """Write ``source`` under numba's cache folder (once; named by its SHA-256) and import it."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    modname = f"dieroll_model_{digest}"
    if modname in sys.modules:
        return sys.modules[modname]
    folder = _kernel_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{modname}.py"
    if not path.exists() or path.read_text() != source:
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[modname] = mod
    spec.loader.exec_module(mod)
    return mod


class CompiledKernel:
    """``run_chunk`` of a :class:`~dieroll.catalog.Model` built from a model file.

    Pickles as its generated source, so that a dask worker imports (and loads
    from numba's cache) the same kernel.
    """

    def __init__(self, source: str):
        self.source = source
        self._mod = None

    @property
    def module(self):
        if self._mod is None:
            self._mod = load_kernel(self.source)
        return self._mod

    def __call__(self, layout, scalars, knots, abs0, out, needed=None):
        from .._stream import can_stream
        mod = self.module
        stream = can_stream(out)
        write = (np.ones(out.shape[:2], np.bool_) if needed is None
                 else np.asarray(needed, np.bool_).reshape(out.shape[:2]))
        mod.run_chunk(scalars, knots, abs0, layout.grid, numba.get_num_threads(), out,
                      out.reshape(-1) if stream else np.empty(8, np.float32), stream, write)

    def __reduce__(self):
        return (CompiledKernel, (self.source,))
