"""Compile a checked model into a numba kernel the engine runs.

The kernel's Python source is generated from the checked trees only (never
from the file's text): every name becomes a row index into the kernel's
arrays and every number is written by ``repr(float)``, so nothing of the
user's text reaches the generated code.  The source is written to numba's
cache folder under a name made of its SHA-256 and imported from there, so a
second run (or a dask worker) loads the compiled machine code from numba's
on-disk cache instead of compiling again.

The kernel has the structure of a hand-written one: draws in blocks of 64,
months outer, draws innermost.  Each month, in order:

1. every path input is interpolated (:func:`dieroll._months.paths_month`);
2. calendar-year sums (``ytd()``, ``calendar_year`` outputs) restart in January
   and at the run's first month;
3. flows and auxiliaries are computed in dependency order, one short loop over
   the block's draws per label combination (short loops vectorise); a stock
   named in them is its level at the start of the month;
4. every stock becomes ``(level + inflow) - outflow``;
5. outputs are computed in dependency order (stocks at their new level);
6. ``prev()`` remembers this month's values;
7. outputs are copied into the chunk (streaming stores where they can be).
"""
from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import sys
import tempfile
from pathlib import Path

import numba
import numpy as np

from .expr import Binary, Call, Date, Name, Num, Select, Unary
from .spec import ModelSpec

__all__ = ["generate", "load_kernel", "CompiledKernel"]

_BLOCK = 64


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
        self.delta = {n: self._alloc(self._size(v.dims)) for n, v in spec.stocks.items()}
        self.out_first, r = {}, 0
        for name in spec.outputs:  # the contract's order: declaration order
            self.out_first[name] = r
            r += self._size(spec.outputs[name].dims)
        self.n_series = r
        self.prev_rows: dict[tuple, int] = {}   # (name, flat) -> state row
        self.ytd_rows: list[int] = []
        self.ytd_of: dict[tuple, int] = {}      # (node id, env key) -> state row
        self.prev_init: dict[tuple, tuple] = {}  # (name, flat) -> (first value's tree, labels)

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
            return f"ob[{self.out_first[name] + flat}, j]"
        return f"st[{self.rows[name] + flat}, j]"

    def emit(self, node, env, pre, phase):
        """Code for ``node`` at labels ``env``; statements it needs first go to ``pre``."""
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
            return f"({self.emit(node.args[1], env, pre, phase)} * fill_share({supply}, {total}))"
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
        if f == "clip":
            return f"min(max({args[0]}, {args[1]}), {args[2]})"
        if f == "where":
            return f"({args[1]} if {args[0]} != 0.0 else {args[2]})"
        if f == "abs":
            return f"abs({args[0]})"
        if f == "floor":
            return f"float(math.floor({args[0]}))"
        if f in ("exp", "log", "sqrt"):
            return f"math.{f}({args[0]})"
        if f == "fill":
            return f"fill_share({args[0]}, {args[1]})"
        if f == "between":
            return f"(1.0 if {args[0]} <= af <= {args[1]} else 0.0)"
        if f == "after":
            return f"(1.0 if af >= {args[0]} else 0.0)"
        if f == "before":
            return f"(1.0 if af < {args[0]} else 0.0)"
        if f == "months_since":
            return f"(af - {args[0]})"
        if f == "spread":
            return f"spread_share(af, {args[0]}, {args[1]})"
        if f == "spread_between":
            return f"window_share(af, {args[0]}, {args[1]})"
        if f == "month_of":
            return f"float(math.floor(12.0 * {args[0]}))"
        if f == "per_month":
            return f"({args[0]} / 12.0)"
        if f == "per_year":
            return f"({args[0]} * 12.0)"
        if f == "monthly_rate":
            return f"(1.0 - (1.0 - {args[0]}) ** (1.0 / 12.0))"
        if f == "monthly_survival":
            return f"((1.0 - {args[0]}) ** (1.0 / 12.0))"
        raise ValueError(f"no code for {f}()")  # the checker admits only FUNCTIONS


def _loop(lines, body, indent):
    pad = " " * indent
    lines.append(f"{pad}for j in range(nb):")
    for stmt in body:
        lines.append(f"{pad}    {stmt}")


def generate(spec: ModelSpec) -> str:
    """The kernel module's Python source for ``spec``."""
    em = _Emitter(spec)
    month: list[str] = []
    # 3. flows and auxiliaries
    for v in spec.flows.values():
        for env in spec.elements(v.dims):
            pre: list[str] = []
            lb = spec.labels[v.by].labels[env[v.by]] if v.by else None
            code = em.emit(v.equation_for(lb), env, pre, "flow")
            _loop(month, pre + [f"st[{em.rows[v.name] + spec.flat(v.dims, env)}, j] = {code}"], 8)
    # 4. stocks
    for v in spec.stocks.values():
        for env in spec.elements(v.dims):
            pre: list[str] = []
            k = spec.flat(v.dims, env)
            inflow = em.emit(v.inflow, env, pre, "flow") if v.inflow is not None else None
            outflow = em.emit(v.outflow, env, pre, "flow") if v.outflow is not None else None
            new = f"st[{em.rows[v.name] + k}, j]"
            if inflow is not None:
                new = f"({new} + {inflow})"
            if outflow is not None:
                new = f"({new} - {outflow})"
            _loop(month, pre + [f"st[{em.delta[v.name] + k}, j] = {new}"], 8)
    for v in spec.stocks.values():
        for env in spec.elements(v.dims):
            k = spec.flat(v.dims, env)
            _loop(month, [f"st[{em.rows[v.name] + k}, j] = st[{em.delta[v.name] + k}, j]"], 8)
    # 5. outputs
    for name in spec.output_order:
        v = spec.outputs[name]
        for env in spec.elements(v.dims):
            pre = []
            lb = spec.labels[v.by].labels[env[v.by]] if v.by else None
            code = em.emit(v.equation_for(lb), env, pre, "output")
            k = spec.flat(v.dims, env)
            if v.calendar_year:
                r = em._alloc(1)
                em.ytd_rows.append(r)
                pre.append(f"st[{r}, j] = st[{r}, j] + {code}")
                code = f"st[{r}, j]"
            _loop(month, pre + [f"ob[{em.out_first[name] + k}, j] = {code}"], 8)
    # 6. prev()
    remember, init = [], []
    for (name, flat), r in em.prev_rows.items():
        first, env = em.prev_init[(name, flat)]
        v = spec.variable(name)
        if v is not None:
            env = {d: e for d, e in zip(v.dims, np.unravel_index(flat, spec.shape(v.dims)))} if v.dims else {}
            env = {d: int(x) for d, x in env.items()}
        remember.append(f"st[{r}, j] = {em.var_ref(name, env, 'output')}")
        init.append(f"st[{r}, j] = {em.emit(first, {}, [], 'initial') if first is not None else '0.0'}")
    if remember:
        _loop(month, remember, 8)
    # stock initial values
    for v in spec.stocks.values():
        for env in spec.elements(v.dims):
            lb = spec.labels[v.by].labels[env[v.by]] if v.by else None
            code = em.emit(v.equation_for(lb), env, [], "initial")
            init.append(f"st[{em.rows[v.name] + spec.flat(v.dims, env)}, j] = {code}")
    restart = [f"st[{r}, j] = 0.0" for r in em.ytd_rows]
    src = [
        f'"""Kernel of model {spec.name!r} (model sha256 {spec.sha256}), generated by dieroll.modelfile.codegen."""',
        "import math",
        "import numpy as np",
        "from numba import prange",
        "from dieroll._jit import kernel",
        "from dieroll._months import by_draw, fill_share, paths_month, spread_share, window_share",
        "from dieroll._stream import store_fence, stream8",
        "",
        f"N_SERIES = {em.n_series}",
        f"N_STATE = {max(em.nstate, 1)}",
        f"_B = {_BLOCK}",
        "",
        "",
        "@kernel(inline=True)",
        "def _init(sb, nb, abs0, st):",
        "    fm = float(abs0)",
    ]
    if init:
        _loop(src, init, 4)
    src += [
        "",
        "",
        "@kernel(inline=True)",
        "def _month(t, a, abs0, nb, pv, st, sb, ob):",
        "    af = float(a)",
        "    fm = float(abs0)",
    ]
    if restart:
        src.append("    if t == 0 or a % 12 == 0:")
        _loop(src, restart, 8)
    src.append("    if True:")
    src += month or ["        pass"]
    src += _BLOCK_SOURCE.splitlines()
    return "\n".join(src) + "\n"


_BLOCK_SOURCE = '''

@kernel(inline=True)
def _block(sc, knots, j0, nb, abs0, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, kb, pv, rat, step, st, sb, ob,
           out, outf, obf, stream, write):
    T = out.shape[1]
    n = out.shape[2]
    bw = ob.shape[1]
    by_draw(sc, j0, nb, sb)
    by_draw(knots, j0, nb, kb)
    _init(sb, nb, abs0, st)
    u0 = np.uint64(j0)
    for t in range(T):
        a = abs0 + t
        paths_month(t, nb, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, kb, pv, rat, step)
        _month(t, a, abs0, nb, pv, st, sb, ob)
        ut = np.uint64(t)
        for q in range(ob.shape[0]):
            if not write[q, t]:
                continue
            uq = np.uint64(q)
            j = 0
            if stream:
                f0 = (q * T + t) * n + j0
                while j + 8 <= nb:
                    stream8(outf, f0 + j, obf, q * bw + j)
                    j += 8
            for i in range(j, nb):
                out[uq, ut, u0 + np.uint64(i)] = ob[q, i]


@kernel(parallel=True)
def run_chunk(scalars, knots, abs0, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, nthreads, out, outf, stream, write):
    n = scalars.shape[0]
    P = pa_koff.shape[0]
    nblocks = (n + _B - 1) // _B
    nthr = max(1, min(nthreads, nblocks))
    for tid in prange(nthr):
        pv = np.empty((max(P, 1), _B))
        st = np.empty((N_STATE, _B))
        sb = np.empty((max(scalars.shape[1], 1), _B))
        kb = np.empty((max(knots.shape[1], 1), _B))
        ob = np.empty((N_SERIES, _B))
        obf = ob.reshape(-1)
        rat = np.empty((2 * max(P, 1), _B))
        step = np.empty(max(P, 1))
        for b in range(tid * nblocks // nthr, (tid + 1) * nblocks // nthr):
            j0 = b * _B
            nb = min(n, j0 + _B) - j0
            _block(scalars, knots, j0, nb, abs0, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, kb, pv, rat, step,
                   st, sb, ob, out, outf, obf, stream, write)
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
        mod.run_chunk(scalars, knots, abs0, layout.pa_koff, layout.pa_nk, layout.pa_interp, layout.pa_seg,
                      layout.pa_frac, numba.get_num_threads(), out,
                      out.reshape(-1) if stream else np.empty(8, np.float32), stream, write)

    def __reduce__(self):
        return (CompiledKernel, (self.source,))
