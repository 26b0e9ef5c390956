"""Build a distribution from its priors-file table, e.g.
``{ family = "beta", mean = 0.2, sd = 0.04 }``.

Each family accepts its natural parameters and, where meaningful, the figures
analysts quote: a pair of quantiles (``p5``/``p95``, ``p10``/``p90``, any
``pNN`` keys; ``p2_5`` is 2.5 %), ``mean``/``sd``, ``median``/``gsd``.  Metalog
takes 3–5 quantiles.  ``truncate = [lo, hi]`` renormalises inside the bounds.
Problems are reported through a callback so that a whole file is checked at once.
"""
from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable

import numpy as np
from scipy import optimize, special, stats

from .base import Distribution, Truncated
from .families import Beta, Discrete, Fixed, Lognormal, Normal, Pert, Triangular, Uniform
from .metalog import Metalog, MetalogError

__all__ = ["FAMILIES", "finite_number", "parse_dist", "quantile_key"]

Report = Callable[[str, str, object], None]

_QKEY = re.compile(r"^p(\d{1,2})(?:_(\d{1,3}))?$")

#: For each family, the parameter sets it accepts ("q" stands for quantile keys).
FAMILIES: dict[str, list[tuple[str, ...]]] = {
    "fixed": [("value",)],
    "uniform": [("min", "max")],
    "normal": [("mean", "sd"), ("q", "q")],
    "lognormal": [("median", "gsd"), ("mean", "sd"), ("mu", "sigma"), ("q", "q")],
    "beta": [("alpha", "beta"), ("mean", "sd"), ("q", "q")],
    "pert": [("min", "mode", "max"), ("min", "mode", "max", "lambda")],
    "triangular": [("min", "mode", "max")],
    "discrete": [("values", "weights")],
    "metalog": [("q", "q", "q"), ("q", "q", "q", "q"), ("q", "q", "q", "q", "q")],
}
_EXTRA = {"metalog": {"lower", "upper"}}
_COMMON = {"family", "truncate"}


def quantile_key(key: str) -> float | None:
    """Probability named by a quantile key (``"p5"`` -> 0.05, ``"p2_5"`` -> 0.025), else None."""
    m = _QKEY.match(key)
    if not m:
        return None
    pct = float(m.group(1) + ("." + m.group(2) if m.group(2) else ""))
    return pct / 100.0 if 0.0 < pct < 100.0 else None


def _fmt(sets):
    return " or ".join("/".join("pNN" if k == "q" else k for k in s) for s in sets)


def finite_number(v) -> bool:
    """True for an int or float (not a bool) that is finite."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def parse_dist(table: object, key: str, report: Report) -> Distribution | None:
    """Turn a ``dist`` table into a :class:`Distribution`.

    Parameters
    ----------
    table : object
        The parsed TOML value (should be a dict).
    key : str
        Its key path, used in problem reports.
    report : callable
        ``report(key, message, value)`` is called for each problem.

    Returns
    -------
    Distribution or None
        ``None`` when there was a problem (already reported).
    """
    if not isinstance(table, dict):
        report(key, "must be a table like { family = \"normal\", mean = 1, sd = 0.1 }", table)
        return None
    fam = table.get("family")
    if fam is None:
        report(f"{key}.family", f"missing; one of {', '.join(FAMILIES)}", None)
        return None
    if not isinstance(fam, str) or fam not in FAMILIES:
        close = difflib.get_close_matches(str(fam), list(FAMILIES), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        report(f"{key}.family", f"unknown family; allowed: {', '.join(FAMILIES)}{hint}", fam)
        return None
    params = {k: v for k, v in table.items() if k not in _COMMON}
    quants = {k: quantile_key(k) for k in params}
    qkeys = sorted((k for k, p in quants.items() if p is not None), key=lambda k: quants[k])
    named = [k for k, p in quants.items() if p is None and k not in _EXTRA.get(fam, ())]
    allowed = {k for s in FAMILIES[fam] for k in s if k != "q"} | _EXTRA.get(fam, set())
    ok = True
    for k in named:
        if k not in allowed:
            known = sorted(allowed | _COMMON)
            close = difflib.get_close_matches(k, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            report(f"{key}.{k}", f"not a parameter of {fam}; it takes {_fmt(FAMILIES[fam])}{hint}", params[k])
            ok = False
    if not ok:
        return None
    shape = tuple(sorted(named)) + ("q",) * len(qkeys)
    matches = [s for s in FAMILIES[fam] if tuple(sorted(k for k in s if k != "q")) + ("q",) * s.count("q") == shape]
    if not matches:
        got = "/".join(sorted(named) + qkeys) or "no parameters"
        report(key, f"{fam} takes {_fmt(FAMILIES[fam])}; got {got}", None)
        return None
    for k in named + qkeys + [e for e in _EXTRA.get(fam, ()) if e in params]:
        if fam == "discrete":
            continue
        if not finite_number(params[k]):
            report(f"{key}.{k}", "must be a finite number", params[k])
            ok = False
    if not ok:
        return None
    try:
        with np.errstate(divide="raise", over="raise"):
            dist = _build(fam, params, qkeys, quants, key, report)
    except (MetalogError, ValueError) as exc:
        report(key, str(exc), None)
        return None
    except (ZeroDivisionError, OverflowError, FloatingPointError) as exc:
        report(key, f"these {fam} parameters cannot be computed in floating point ({exc}); use numbers nearer "
               "the quantity's scale", {k: params[k] for k in params})
        return None
    if dist is None:
        return None
    if "truncate" in table:
        dist = _truncate(dist, table["truncate"], f"{key}.truncate", report)
    return dist


def _truncate(dist, bounds, key, report):
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(finite_number(b) or b in ("-inf", "inf") for b in bounds)):
        report(key, 'must be [lo, hi] (numbers; "-inf"/"inf" leave a side open)', bounds)
        return None
    lo, hi = (float(b) for b in bounds)
    if lo >= hi:
        report(key, "lower bound must be below upper bound", bounds)
        return None
    t = Truncated(dist, lo, hi)
    if not t.mass > 1e-12:
        report(key, f"the {dist.describe()} puts no probability inside these bounds", bounds)
        return None
    return t


def _quantile_pair(params, qkeys, quants, key, report):
    (k1, k2) = qkeys
    p1, p2 = quants[k1], quants[k2]
    x1, x2 = float(params[k1]), float(params[k2])
    if not x1 < x2:
        report(f"{key}.{k2}", f"must be greater than {k1} = {x1:g}", params[k2])
        return None
    return p1, p2, x1, x2


def _build(fam, p, qkeys, quants, key, report):
    if fam == "fixed":
        return Fixed(p["value"])
    if fam == "uniform":
        if not p["min"] < p["max"]:
            report(f"{key}.max", f"must be greater than min = {p['min']:g}", p["max"])
            return None
        return Uniform(p["min"], p["max"])
    if fam in ("pert", "triangular"):
        lo, mode, hi = p["min"], p["mode"], p["max"]
        if not (lo <= mode <= hi and lo < hi):
            report(key, "needs min <= mode <= max with min < max", [lo, mode, hi])
            return None
        if fam == "triangular":
            return Triangular(lo, mode, hi)
        lam = p.get("lambda", 4.0)
        if not lam > 0:
            report(f"{key}.lambda", "must be positive (4 is the classic PERT)", lam)
            return None
        return Pert(lo, mode, hi, lam)
    if fam == "discrete":
        return _discrete(p, key, report)
    if fam == "metalog":
        probs = [quants[k] for k in qkeys]
        return Metalog(probs, [p[k] for k in qkeys], p.get("lower"), p.get("upper"))
    if fam == "normal":
        if "sd" in p:
            if not p["sd"] > 0:
                report(f"{key}.sd", "must be positive", p["sd"])
                return None
            return Normal(p["mean"], p["sd"])
        q = _quantile_pair(p, qkeys, quants, key, report)
        if q is None:
            return None
        p1, p2, x1, x2 = q
        sd = (x2 - x1) / (special.ndtri(p2) - special.ndtri(p1))
        return Normal(x1 - sd * special.ndtri(p1), sd)
    if fam == "lognormal":
        return _lognormal(p, qkeys, quants, key, report)
    return _beta(p, qkeys, quants, key, report)


def _discrete(p, key, report):
    vals, wts = p["values"], p["weights"]
    if not (isinstance(vals, list) and vals and all(finite_number(v) for v in vals)):
        report(f"{key}.values", "must be a non-empty list of numbers", vals)
        return None
    if not (isinstance(wts, list) and len(wts) == len(vals) and all(finite_number(w) and w > 0 for w in wts)):
        report(f"{key}.weights", f"must be {len(vals)} positive numbers, one per value", wts)
        return None
    if len(set(vals)) != len(vals):
        report(f"{key}.values", "must not repeat a value", vals)
        return None
    return Discrete(vals, wts)


def _lognormal(p, qkeys, quants, key, report):
    if "median" in p:
        if not p["median"] > 0:
            report(f"{key}.median", "must be positive", p["median"])
            return None
        if not p["gsd"] > 1:
            report(f"{key}.gsd", "geometric sd must be greater than 1", p["gsd"])
            return None
        return Lognormal(math.log(p["median"]), math.log(p["gsd"]))
    if "mu" in p:
        if not p["sigma"] > 0:
            report(f"{key}.sigma", "must be positive", p["sigma"])
            return None
        return Lognormal(p["mu"], p["sigma"])
    if "mean" in p:
        if not p["mean"] > 0:
            report(f"{key}.mean", "must be positive", p["mean"])
            return None
        if not p["sd"] > 0:
            report(f"{key}.sd", "must be positive", p["sd"])
            return None
        s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
        return Lognormal(math.log(p["mean"]) - s2 / 2, math.sqrt(s2))
    q = _quantile_pair(p, qkeys, quants, key, report)
    if q is None:
        return None
    p1, p2, x1, x2 = q
    if not x1 > 0:
        report(f"{key}.{qkeys[0]}", "lognormal quantiles must be positive", x1)
        return None
    s = (math.log(x2) - math.log(x1)) / (special.ndtri(p2) - special.ndtri(p1))
    return Lognormal(math.log(x1) - s * special.ndtri(p1), s)


def _beta(p, qkeys, quants, key, report):
    if "alpha" in p:
        bad = [k for k in ("alpha", "beta") if not p[k] > 0]
        for k in bad:
            report(f"{key}.{k}", "must be positive", p[k])
        return None if bad else Beta(p["alpha"], p["beta"])
    if "mean" in p:
        m, sd = p["mean"], p["sd"]
        if not 0 < m < 1:
            report(f"{key}.mean", "beta mean must lie strictly between 0 and 1", m)
            return None
        if not sd > 0:
            report(f"{key}.sd", "must be positive", sd)
            return None
        limit = math.sqrt(m * (1 - m))
        if not sd < limit:
            report(f"{key}.sd", f"too large for a beta with mean {m:g}: must be below "
                   f"sqrt(mean*(1-mean)) = {limit:.4g}", sd)
            return None
        k = m * (1 - m) / sd**2 - 1
        return Beta(m * k, (1 - m) * k)
    q = _quantile_pair(p, qkeys, quants, key, report)
    if q is None:
        return None
    p1, p2, x1, x2 = q
    if not (0 < x1 and x2 < 1):
        report(key, "beta quantiles must lie strictly between 0 and 1", [x1, x2])
        return None
    return _beta_from_quantiles(p1, p2, x1, x2)


def _beta_from_quantiles(p1, p2, x1, x2):
    # Solve in logit/log space from a normal-approximation start.
    z1, z2 = special.ndtri(p1), special.ndtri(p2)
    sd0 = (x2 - x1) / (z2 - z1)
    m0 = min(max(x1 - sd0 * z1, 1e-3), 1 - 1e-3)
    sd0 = min(sd0, 0.9 * math.sqrt(m0 * (1 - m0)))
    k0 = m0 * (1 - m0) / sd0**2 - 1
    start = np.log([max(m0 * k0, 1e-3), max((1 - m0) * k0, 1e-3)])

    def resid(la):
        a, b = np.exp(la)
        return [special.logit(stats.beta.cdf(x1, a, b)) - special.logit(p1),
                special.logit(stats.beta.cdf(x2, a, b)) - special.logit(p2)]

    sol = optimize.root(resid, start, method="hybr", options={"xtol": 1e-14})
    a, b = np.exp(sol.x)
    d = Beta(a, b)
    if not (np.allclose(d.ppf([p1, p2]), [x1, x2], rtol=1e-9, atol=0)):
        raise ValueError(f"no beta distribution has p{100 * p1:g} = {x1:g} and p{100 * p2:g} = {x2:g}")
    return d
