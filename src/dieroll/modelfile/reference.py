"""A plain numpy evaluator of a checked model: the independent reference for the kernel.

It walks the same trees as :mod:`.codegen` but shares none of its code: each
month it evaluates every equation as whole-array numpy operations over the
draws, with its own reading of every function.  Tests compare the two (to
1e-12 relative: ``**``, ``exp`` and ``log`` may differ in the last place
between numpy and LLVM).
"""
from __future__ import annotations

import numpy as np

from .expr import Binary, Call, Date, Name, Num, Select, Unary
from .spec import ModelSpec

__all__ = ["evaluate_reference"]


class _State:
    def __init__(self, spec, scalars, paths, abs0, n):
        self.spec = spec
        self.sc = {name: scalars[:, i] for i, name in enumerate(n for n, s in spec.inputs.items() if not s.path)}
        self.paths = paths
        self.abs0 = abs0
        self.n = n
        self.levels = {}       # stock -> {flat: array}
        self.values = {}       # flow/aux/output -> {flat: array}
        self.prev = {}         # (name, flat) -> array
        self.prev_first = {}   # (name, flat) -> tree of the first value
        self.ytd = {}          # (node id, env) -> array
        self.t = 0


def _labels_env(spec, v, env, picks):
    env = dict(env)
    for dim, label, _ in picks:
        if dim is None:
            dim = next(d for d in v.dims if label in spec.labels[d].labels)
        env[dim] = spec.labels[dim].labels.index(label)
    return env


def _value(s: _State, name, env):
    spec = s.spec
    if name == "month":
        return np.full(s.n, float(s.abs0 + s.t))
    if name == "first_month":
        return np.full(s.n, float(s.abs0))
    if name in s.sc:
        return s.sc[name]
    if name in s.paths:
        return s.paths[name][:, s.t]
    v = spec.variable(name)
    k = spec.flat(v.dims, env) if v.dims else 0
    table = s.levels if v.kind == "stock" else s.values
    return table[name][k]


def _ev(s: _State, node, env):
    spec = s.spec
    if isinstance(node, Num):
        return np.full(s.n, node.value)
    if isinstance(node, Date):
        return np.full(s.n, float(node.month))
    if isinstance(node, Name):
        return _value(s, node.id, env)
    if isinstance(node, Select):
        return _value(s, node.base.id, _labels_env(spec, spec.variable(node.base.id), env, node.picks))
    if isinstance(node, Unary):
        x = _ev(s, node.operand, env)
        return {"-": lambda: -x, "+": lambda: x, "not": lambda: (x == 0).astype(float)}[node.op]()
    if isinstance(node, Binary):
        a, b = _ev(s, node.left, env), _ev(s, node.right, env)
        with np.errstate(all="ignore"):
            ops = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power,
                   "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
                   "==": np.equal, "!=": np.not_equal}
            if node.op == "and":
                return ((a != 0) & (b != 0)).astype(float)
            if node.op == "or":
                return ((a != 0) | (b != 0)).astype(float)
            return np.asarray(ops[node.op](a, b), dtype=float)
    return _call(s, node, env)


def _call(s: _State, node: Call, env):
    spec = s.spec
    f = node.func
    month = float(s.abs0 + s.t)
    if f in ("sum_over", "min_over", "max_over", "allocate"):
        dim = node.args[-1].id
        terms = [_ev(s, node.args[-2], {**env, dim: k}) for k in range(len(spec.labels[dim].labels))]
        if f == "sum_over":
            total = terms[0].copy()
            for x in terms[1:]:
                total = total + x
            return total
        if f == "allocate":
            total = terms[0].copy()
            for x in terms[1:]:
                total = total + x
            return _ev(s, node.args[1], env) * _fill(_ev(s, node.args[0], env), total)
        return np.minimum.reduce(terms) if f == "min_over" else np.maximum.reduce(terms)
    if f == "prev":
        target = node.args[0]
        name = target.base.id if isinstance(target, Select) else target.id
        v = spec.variable(name)
        env2 = _labels_env(spec, v, env, target.picks) if isinstance(target, Select) else env
        k = spec.flat(v.dims, env2) if v is not None and v.dims else 0
        key = (name, k)
        if key not in s.prev:
            s.prev_first[key] = (node.args[1] if len(node.args) > 1 else None, env2)
            first = node.args[1] if len(node.args) > 1 else None
            return np.zeros(s.n) if first is None else _ev(s, first, {})
        return s.prev[key]
    if f == "ytd":
        x = _ev(s, node.args[0], env)
        key = (id(node), tuple(sorted(env.items())))
        restart = s.t == 0 or (s.abs0 + s.t) % 12 == 0
        s.ytd[key] = x.copy() if restart or key not in s.ytd else s.ytd[key] + x
        return s.ytd[key]
    a = [_ev(s, x, env) for x in node.args]
    with np.errstate(all="ignore"):
        if f == "min":
            return np.minimum.reduce(a)
        if f == "max":
            return np.maximum.reduce(a)
        if f == "clip":
            return np.minimum(np.maximum(a[0], a[1]), a[2])
        if f == "where":
            return np.where(a[0] != 0, a[1], a[2])
        if f == "abs":
            return np.abs(a[0])
        if f == "floor":
            return np.floor(a[0])
        if f in ("exp", "log", "sqrt"):
            return getattr(np, f)(a[0])
        if f == "fill":
            return _fill(a[0], a[1])
        if f == "between":
            return ((a[0] <= month) & (month <= a[1])).astype(float)
        if f == "after":
            return (month >= a[0]).astype(float)
        if f == "before":
            return (month < a[0]).astype(float)
        if f == "months_since":
            return month - a[0]
        if f == "spread":
            lo = np.maximum(month, a[0])
            hi = np.minimum(month + 1.0, a[0] + a[1])
            return np.where(hi > lo, (hi - lo) / a[1], 0.0)
        if f == "spread_between":
            return np.where((a[0] <= month) & (month <= a[1]), 1.0 / (a[1] - a[0] + 1.0), 0.0)
        if f == "month_of":
            return np.floor(12.0 * a[0])
        if f == "per_month":
            return a[0] / 12.0
        if f == "per_year":
            return a[0] * 12.0
        if f == "monthly_rate":
            return 1.0 - np.power(1.0 - a[0], 1.0 / 12.0)
        if f == "monthly_survival":
            return np.power(1.0 - a[0], 1.0 / 12.0)
    raise ValueError(f"the reference has no {f}()")


def _fill(supply, demand):
    with np.errstate(all="ignore"):
        return np.where((demand <= supply) | (demand <= 0.0), 1.0, supply / demand)


def evaluate_reference(spec: ModelSpec, scalars: np.ndarray, paths: dict, abs0: int, n_steps: int) -> np.ndarray:
    """Every output of ``spec`` for the draws of ``scalars (n, S)`` and ``paths`` (name ->
    ``(n, T)`` values on the time grid): an array ``(n_series, T, n)`` in the contract's order."""
    n = scalars.shape[0]
    s = _State(spec, scalars, paths, abs0, n)
    rows = {}
    r = 0
    for name, v in spec.outputs.items():
        rows[name] = r
        r += int(np.prod(spec.shape(v.dims))) if v.dims else 1
    out = np.empty((r, n_steps, n))
    for name, v in spec.stocks.items():
        s.levels[name] = {}
        for env in spec.elements(v.dims):
            lb = spec.labels[v.by].labels[env[v.by]] if v.by else None
            s.levels[name][spec.flat(v.dims, env)] = _ev(s, v.equation_for(lb), env).astype(float)
    cal = {}
    for t in range(n_steps):
        s.t = t
        for name, v in spec.flows.items():
            s.values[name] = {}
            for env in spec.elements(v.dims):
                lb = spec.labels[v.by].labels[env[v.by]] if v.by else None
                s.values[name][spec.flat(v.dims, env)] = _ev(s, v.equation_for(lb), env)
        new = {}
        for name, v in spec.stocks.items():
            new[name] = {}
            for env in spec.elements(v.dims):
                k = spec.flat(v.dims, env)
                level = s.levels[name][k]
                for sign, term in v.terms:
                    level = level + _ev(s, term, env) if sign > 0 else level - _ev(s, term, env)
                new[name][k] = level
        s.levels.update(new)
        restart = t == 0 or (abs0 + t) % 12 == 0
        for name in spec.output_order:
            v = spec.outputs[name]
            s.values[name] = {}
            for env in spec.elements(v.dims):
                lb = spec.labels[v.by].labels[env[v.by]] if v.by else None
                x = _ev(s, v.equation_for(lb), env)
                k = spec.flat(v.dims, env)
                if v.calendar_year:
                    x = x.copy() if restart else cal[(name, k)] + x
                    cal[(name, k)] = x
                s.values[name][k] = x
                out[rows[name] + k, t] = x
        for key, (first, env) in s.prev_first.items():
            name, k = key
            v = spec.variable(name)
            if v is None:
                s.prev[key] = s.paths[name][:, t].copy()
            else:
                table = s.levels if v.kind == "stock" else s.values
                s.prev[key] = table[name][k].copy()
    return out
