"""Turn a merged priors document into a :class:`PriorSet`, gathering every problem.

Nothing here raises until the whole document has been checked; then one
:class:`dieroll.errors.PriorsError` lists every problem with file, line, key
path, value and what is allowed.
"""
from __future__ import annotations

import calendar
import copy
import datetime as dt
import math
import re

import numpy as np
import tomli_w

from ..catalog import InputSpec
from ..distributions import Distribution, parse_dist
from ..distributions.spec import finite_number as _num
from ..selection import period_last_day
from ..text import did_you_mean, first_unsafe, printable
from .copula import check_correlations, max_rank_with_path, path_loading
from .extends import Merged
from .prior_set import Claim, Correlation, Knot, PriorSet, Quantity, RunSettings
from ..defaults import QUANTILES

__all__ = ["build_prior_set"]

_TOP = ("run", "quantities", "correlations", "extends", "notes")
_RUN = ("title", "description", "model", "start", "end", "step", "draws", "seed", "quantiles", "thresholds",
        "as_of")
_QTY = ("description", "units", "source", "date", "basis", "reasoning", "dist", "claims", "path", "interpolate",
        "knot_rank", "weights", "add_claims", "notes")
#: Where a quantity's numbers come from: a cited document, or the analyst's judgement (with its reasoning).
BASES = ("document", "judgement")
_CLAIM = ("id", "source", "says", "date", "weight", "dist", "path", "notes")
_KNOT_EXTRA = ("source", "notes", "basis", "reasoning")
_INTERP = ("linear", "log", "step")
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")
MAX_DRAWS = 10**10
#: Dates the run window may span: what datetime64[ns] holds (1677-09-21 .. 2262-04-11), in whole months.
TIME_AXIS = (dt.date(1678, 1, 1), dt.date(2262, 3, 31))


_suggest = did_you_mean


def _unknown_keys(table, allowed, key, report, what):
    for k in table:
        if k not in allowed:
            report(f"{key}.{k}" if key else k,
                   f"unknown key in {what}; allowed: {', '.join(allowed)}{_suggest(k, allowed)}", None)


def _text(v):
    return isinstance(v, str) and v.strip() != ""


#: The longest string a priors file may hold (a title, a source, a claim's words, notes).
MAX_STRING = 10_000


def _check_strings(node, key, rep) -> None:
    """Report every string (keys included) with control characters or longer than :data:`MAX_STRING`.

    Newlines and tabs are allowed (multi-line notes); NUL, escape codes, other
    control characters and bidirectional overrides are not: they end up in
    charts, netCDF attributes and terminals.
    """
    def bad(s):
        if len(s) > MAX_STRING:
            return f"is {len(s):,} characters long; at most {MAX_STRING:,} are allowed"
        i = first_unsafe(s, allow="\n\t")
        if i is not None:
            return (f"holds the control character {s[i].encode('unicode_escape').decode('ascii')} at "
                    f"position {i}; only printable text, newlines and tabs are allowed")
        return None

    if isinstance(node, dict):
        for k, v in node.items():
            sub = f"{key}.{k}" if key else str(k)
            why = bad(str(k))
            if why:
                rep(sub, f"this key {why}", None)
                continue
            _check_strings(v, sub, rep)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_strings(v, f"{key}[{i}]", rep)
    elif isinstance(node, str):
        why = bad(node)
        if why:
            rep(key, f"this text {why}", printable(node, 60))


def build_prior_set(path: str, merged: Merged, report, catalog: dict[str, InputSpec] | None) -> PriorSet | None:
    """Validate ``merged``; report each problem; return the PriorSet when there were none."""
    data = merged.data
    count = [0]

    def rep(key, msg, value):
        count[0] += 1
        report(key, msg, value)

    _unknown_keys(data, _TOP, "", rep, "a priors file")
    _check_strings(data, "", rep)
    run = _run(data.get("run"), rep)
    quantities: dict[str, Quantity] = {}
    qdata = data.get("quantities")
    if qdata is None:
        rep("quantities", "missing: a priors file needs a [quantities.NAME] table per input", None)
        qdata = {}
    elif not isinstance(qdata, dict):
        rep("quantities", "must be a table of quantities", qdata)
        qdata = {}
    resolved_q = {}
    for name, q in qdata.items():
        spec = None if catalog is None else catalog.get(name)
        if catalog is not None and spec is None:
            rep(f"quantities.{name}", "the model does not read this quantity"
                f"{_suggest(name, catalog)} (dieroll describe lists them)", None)
            continue
        got = _quantity(name, q, run, spec, rep)
        if got is not None:
            quantities[name], resolved_q[name] = got
    if catalog is not None:
        for name in catalog:
            if name not in qdata:
                rep("quantities", f"missing quantity {name!r} that the model reads "
                    f"({catalog[name].description}, in {catalog[name].units})", None)
    corrs = _correlations(data.get("correlations"), quantities, qdata, rep)
    if count[0] or run is None:
        return None
    resolved = {"run": copy.deepcopy(data["run"]), "quantities": resolved_q}
    if corrs:
        resolved["correlations"] = [{"between": [c.a, c.b], "rank": c.rank} for c in corrs]
    text = tomli_w.dumps(resolved)
    return PriorSet(path=path, files=tuple(merged.files), run=run, quantities=quantities,
                    correlations=tuple(corrs), resolved=resolved, text=text, catalog=catalog)


def _run(r, rep) -> RunSettings | None:
    if r is None:
        rep("run", "missing: a [run] table with title, start, end, draws and seed", None)
        return None
    if not isinstance(r, dict):
        rep("run", "must be a table", r)
        return None
    _unknown_keys(r, _RUN, "run", rep, "[run]")
    ok = True
    for k in ("title", "start", "end", "draws", "seed"):
        if k not in r:
            rep(f"run.{k}", "missing", None)
            ok = False
    if "title" in r and not _text(r["title"]):
        rep("run.title", "must be a non-empty string", r["title"]); ok = False
    for k in ("start", "end"):
        if k in r and not (isinstance(r[k], dt.date) and not isinstance(r[k], dt.datetime)):
            rep(f"run.{k}", "must be a TOML date such as 2022-10-01 (no quotes)", r[k]); ok = False
    if ok and not r["start"] < r["end"]:
        rep("run.end", f"must be after run.start = {r['start']}", r["end"]); ok = False
    if ok and (r["end"].year - r["start"].year) > 100:
        rep("run.end", "the run window may span at most 100 years", r["end"]); ok = False
    for k in ("start", "end"):
        if ok and not (TIME_AXIS[0] <= r[k] <= TIME_AXIS[1]):
            rep(f"run.{k}", f"must be from {TIME_AXIS[0]} to {TIME_AXIS[1]}: the run's time axis is stored as "
                "datetime64[ns] (as xarray and pandas hold it), which cannot represent other years", r[k])
            ok = False
    if r.get("step", "month") != "month":
        rep("run.step", 'only "month" steps are supported', r.get("step")); ok = False
    if "draws" in r and not (isinstance(r["draws"], int) and not isinstance(r["draws"], bool)
                             and 1 <= r["draws"] <= MAX_DRAWS):
        rep("run.draws", f"must be a whole number from 1 to {MAX_DRAWS:.0e}", r["draws"]); ok = False
    if "seed" in r and not (isinstance(r["seed"], int) and not isinstance(r["seed"], bool)
                            and 0 <= r["seed"] < 2**64):
        rep("run.seed", "must be a whole number from 0 to 2**64 - 1", r["seed"]); ok = False
    quantiles = QUANTILES
    if "quantiles" in r:
        qs = r["quantiles"]
        if not (isinstance(qs, list) and all(_num(q) and 0 < q < 1 for q in qs)):
            rep("run.quantiles", "must be a list of probabilities strictly between 0 and 1", qs); ok = False
        else:
            quantiles = tuple(sorted(set(quantiles) | {float(q) for q in qs}))
    thresholds = {}
    if "thresholds" in r:
        th = r["thresholds"]
        if not isinstance(th, dict):
            rep("run.thresholds", "must be a table: output name = [values]", th); ok = False
        else:
            for k, v in th.items():
                if not (isinstance(v, list) and v and all(_num(x) for x in v)):
                    rep(f"run.thresholds.{k}", "must be a non-empty list of numbers", v); ok = False
                else:
                    thresholds[k] = tuple(sorted(float(x) for x in v))
    model = r.get("model", "")
    if not isinstance(model, str) or (model and not model.strip()):
        rep("run.model", "must name a packaged model (\"china\") or a model file's path relative to this file, "
            "as a string", model); ok = False
    as_of = r.get("as_of")
    if as_of is not None and not (isinstance(as_of, dt.date) and not isinstance(as_of, dt.datetime)):
        rep("run.as_of", "must be a TOML date such as 2025-06-30 (no quotes): the evidence cut-off", as_of)
        ok = False
    if not ok:
        return None
    return RunSettings(title=r["title"], start=r["start"], end=r["end"], draws=r["draws"],
                       seed=r["seed"], quantiles=quantiles, thresholds=thresholds, model=model, as_of=as_of)


#: The most extreme probabilities the sampler's uniforms reach (53-bit, open interval).
_TAILS = (2.0**-53, 1.0 - 2.0**-53)
_F32_MAX = 3.4028234663852886e38


def _check_tails(dist: Distribution, key, rep) -> bool:
    """Refuse a distribution whose extreme draws are not finite numbers the float32 outputs can hold."""
    import warnings
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ends = np.asarray(dist.ppf(np.array(_TAILS)), dtype=float)
    except (ValueError, OverflowError, ZeroDivisionError, FloatingPointError):
        ends = np.array([np.nan])
    if np.all(np.isfinite(ends)) and np.all(np.abs(ends) <= _F32_MAX):
        return True
    bad = ends[~(np.isfinite(ends) & (np.abs(ends) <= _F32_MAX))][0]
    with np.errstate(all="ignore"):
        what = dist.describe()
    rep(key, f"this {what} reaches {bad:g} at its extreme tail (p = 2**-53 or 1 - 2**-53, the most "
        f"extreme draws the sampler makes); every value must be finite and at most {_F32_MAX:.3g} in size "
        "(outputs are float32): use smaller numbers, a narrower spread, or truncate = [lo, hi]", None)
    return False


def _check_range(dist: Distribution, spec: InputSpec | None, key, rep) -> bool:
    if not _check_tails(dist, key, rep):
        return False
    if spec is None:
        return True
    lo, hi = dist.support()
    if lo < spec.lo or hi > spec.hi:
        bad = lo if lo < spec.lo else hi
        rep(key, f"{spec.name} is {spec.allowed()} ({spec.units}), but this {dist.describe()} "
            f"reaches {bad:g}; choose a family bounded there or add truncate = [lo, hi]", None)
        return False
    return True


def _pub_date(v, key, rep):
    """A source's publication date: a TOML date (2025-03-07), or "YYYY-MM" / "YYYY" when only the month
    or year is known (read as the month's or year's last day, so that an as-of cut-off never takes a
    source before it could have been read).  Returns (ok, date or None)."""
    if v is None:
        return True, None
    date = None
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        date = v
    elif isinstance(v, str) and len(v.strip()) <= 7:  # a whole date is written as a TOML date
        date = period_last_day(v)
    if date is None or not 1900 <= date.year <= 2200:
        rep(key, 'must be the source\'s publication date: a TOML date such as 2025-03-07 (no quotes), or '
            '"2025-09" or "2025" when only the month or year is known', v)
        return False, None
    if date > dt.date.today() and not (isinstance(v, str) and date.replace(day=1) <= dt.date.today()):
        rep(key, f"is after today ({dt.date.today()}): a publication date cannot be in the future", v)
        return False, None
    return True, date


def _quantity(name, q, run, spec, rep):
    key = f"quantities.{name}"
    if not isinstance(q, dict):
        rep(key, "must be a table", q)
        return None
    _unknown_keys(q, _QTY, key, rep, "a quantity")
    if "add_claims" in q:
        rep(f"{key}.add_claims", "appends claims to the claims this quantity has in the file it extends; here "
            "there are none to append to (no parent file defines claims for it, or this file also gives dist, "
            "claims or path, or add_claims is not a list of claim tables): give claims instead", None)
        return None
    ok = True
    for k in ("description", "units"):
        if not _text(q.get(k)):
            rep(f"{key}.{k}", "missing or empty: every quantity needs a description and units", q.get(k))
            ok = False
    if spec is not None and _text(q.get("units")) and " ".join(q["units"].split()) != spec.units:
        rep(f"{key}.units", f"the model reads {name} in {spec.units!r}", q["units"]); ok = False
    basis = q.get("basis", "document")
    if basis not in BASES:
        rep(f"{key}.basis", f"must be one of {', '.join(BASES)}{_suggest(basis, BASES)}", basis)
        return None
    if basis == "judgement":
        if not _text(q.get("reasoning")):
            rep(f"{key}.reasoning", 'missing or empty: basis = "judgement" needs the reasoning behind the numbers',
                q.get("reasoning"))
            return None
        if not _text(q.get("source")):
            q = {**q, "source": "Judgement: " + q["reasoning"]}
    elif "reasoning" in q and not _text(q.get("reasoning")):
        rep(f"{key}.reasoning", "must be text", q.get("reasoning")); ok = False
    kinds = [k for k in ("dist", "claims", "path") if k in q]
    if len(kinds) != 1:
        rep(key, "needs exactly one of dist (with source), claims, or path", kinds or None)
        return None
    out = {k: q[k] for k in ("description", "units", "basis", "reasoning") if k in q}
    if kinds == ["path"]:
        if spec is not None and not spec.path:
            rep(f"{key}.path", "the model reads this quantity as one number, not a time path", None)
            return None
        good, date = _pub_date(q.get("date"), f"{key}.date", rep)
        made = _path(key, q, run, spec, rep)
        if made is None or not ok or not good:
            return None
        knots, interp, rank = made
        out.update({k: copy.deepcopy(q[k]) for k in ("source", "date", "interpolate", "knot_rank", "path") if k in q})
        return Quantity(name, q["description"], q["units"], q["source"], knots=knots,
                        interpolate=interp, knot_rank=rank, basis=basis, date=date), out
    if "date" in q and kinds == ["claims"]:
        rep(f"{key}.date", "with claims, each claim carries its own date", q["date"]); ok = False
    path_claims = kinds == ["claims"] and isinstance(q["claims"], list) and any(
        isinstance(c, dict) and "path" in c for c in q["claims"])
    if path_claims:
        if spec is not None and not spec.path:
            rep(f"{key}.claims", "the model reads this quantity as one number: give each claim a dist, not a path",
                None)
            return None
        return _path_claims(name, key, q, run, spec, basis, out, ok, rep)
    for k in ("interpolate", "knot_rank"):
        if k in q:
            rep(f"{key}.{k}", "only applies to a path", q[k]); ok = False
    if kinds == ["dist"]:
        if not _text(q.get("source")):
            rep(f"{key}.source", "missing: a single dist needs a source (document, date, what it says)", None)
            ok = False
        if "weights" in q:
            rep(f"{key}.weights", "only applies to claims", q["weights"]); ok = False
        good, date = _pub_date(q.get("date"), f"{key}.date", rep)
        d = parse_dist(q["dist"], f"{key}.dist", rep)
        if d is None or not _check_range(d, spec, f"{key}.dist", rep) or not ok or not good:
            return None
        out.update(source=q["source"], dist=copy.deepcopy(q["dist"]))
        if "date" in q:
            out["date"] = q["date"]
        return Quantity(name, q["description"], q["units"], q["source"],
                        claims=(Claim("only", q["source"], "", 1.0, d, date),), basis=basis, date=date), out
    claims = _claims(key, q, spec, rep)
    if claims is None or not ok:
        return None
    if spec is not None and spec.path and len(claims) > 1:
        rep(f"{key}.claims", f"the model reads {name} as a path (a value per month): competing claims on "
            "a path each give a [path] of knots (a [quantities.NAME.claims.path] table per claim), not a dist; "
            "or give the quantity one dist", None)
        return None
    total = sum(c.weight for c in claims)
    if not math.isfinite(total):
        rep(f"{key}.claims", "the claim weights add up to more than the largest number a float holds "
            f"({', '.join(f'{c.id} = {c.weight:g}' for c in claims)}); weights are divided by their sum, so "
            "scale them down (e.g. 0.6 and 0.4)", None)
        return None
    claims = tuple(Claim(c.id, c.source, c.says, c.weight / total, c.dist, c.date) for c in claims)
    out.update(claims=copy.deepcopy(q["claims"]))
    if "weights" in q:
        out["weights"] = copy.deepcopy(q["weights"])
    if "source" in q:
        out["source"] = q["source"]
    return Quantity(name, q["description"], q["units"], q.get("source", ""), claims=claims, basis=basis), out


def _path_claims(name, key, q, run, spec, basis, out, ok, rep):
    """Competing claims on a path: each claim a weighted [path] of knots of its own, sharing the
    quantity's ``interpolate`` and ``knot_rank``."""
    interp, rank, good = _interp_rank(key, q, rep)
    claims = _claims(key, q, spec, rep, run=run, interp=interp)
    if "source" not in q:
        rep(f"{key}.source", "missing: a path needs a source (what the claims are about)", None); ok = False
    if claims is None or not ok or not good:
        return None
    total = sum(c.weight for c in claims)
    claims = tuple(Claim(c.id, c.source, c.says, c.weight / total, None, c.date, c.knots) for c in claims)
    out.update({k: copy.deepcopy(q[k]) for k in ("source", "interpolate", "knot_rank", "claims", "weights")
                if k in q})
    return Quantity(name, q["description"], q["units"], q["source"], claims=claims, interpolate=interp,
                    knot_rank=rank, basis=basis), out


def _claims(key, q, spec, rep, run=None, interp=None):
    """The claims of ``q``: each with a dist, or, given the path's ``interp``, each with a [path]."""
    paths = interp is not None
    cl = q["claims"]
    if not (isinstance(cl, list) and cl and all(isinstance(c, dict) for c in cl)):
        rep(f"{key}.claims", "must be a list of [[...claims]] tables", None)
        return None
    out, ok, ids = [], True, {}
    for i, c in enumerate(cl):
        ck = f"{key}.claims[{i}]"
        _unknown_keys(c, _CLAIM, ck, rep, "a claim")
        for k in ("id", "source", "says"):
            if not _text(c.get(k)):
                rep(f"{ck}.{k}", "missing or empty: every claim needs id, source, says, weight and dist",
                    c.get(k)); ok = False
        cid = c.get("id")
        if _text(cid):
            if not _ID.match(cid):
                rep(f"{ck}.id", "must start with a letter and use letters, digits, _ or -", cid); ok = False
            elif cid in ids:
                rep(f"{ck}.id", f"duplicate claim id (also claims[{ids[cid]}])", cid); ok = False
            else:
                ids[cid] = i
        w = c.get("weight")
        if not (_num(w) and w > 0):
            rep(f"{ck}.weight", "must be a positive number (weights are divided by their sum)", w); ok = False
        good, date = _pub_date(c.get("date"), f"{ck}.date", rep)
        ok = ok and good
        knots = ()
        if paths:
            d = None
            if "dist" in c or "path" not in c:
                rep(ck, "on a path every claim gives a [path] of knots (and no dist)", None); ok = False
            else:
                knots = _knots(ck, c["path"], run, spec, interp, q.get("reasoning"), rep)
                if knots is None:
                    ok = False
        elif "dist" not in c:
            rep(f"{ck}.dist", "missing" + (" (a claim with a path belongs to a quantity the model reads as a path)"
                                            if "path" in c else ""), None); ok = False
            d = None
        else:
            d = parse_dist(c["dist"], f"{ck}.dist", rep)
            if d is not None and not _check_range(d, spec, f"{ck}.dist", rep):
                d = None
            if d is None:
                ok = False
        if ok:
            out.append(Claim(cid, c["source"], c["says"], float(w), d, date, knots))
    if not ok:
        return None
    if "weights" in q:
        wt = q["weights"]
        if not isinstance(wt, dict):
            rep(f"{key}.weights", "must be a table: claim id = weight", wt)
            return None
        new = {}
        for cid, w in wt.items():
            if cid not in ids:
                rep(f"{key}.weights.{cid}", f"no claim with this id; claims are {', '.join(ids)}"
                    f"{_suggest(cid, ids)}", None); ok = False
            elif not (_num(w) and w >= 0):
                rep(f"{key}.weights.{cid}", "must be a number >= 0", w); ok = False
            else:
                new[cid] = float(w)
        if not ok:
            return None
        out = [Claim(c.id, c.source, c.says, new.get(c.id, c.weight), c.dist, c.date, c.knots) for c in out]
        if not math.isfinite(sum(c.weight for c in out)):
            rep(f"{key}.weights", "these weights add up to more than the largest number a float holds; "
                "weights are divided by their sum, so scale them down (e.g. 0.6 and 0.4)", wt)
            return None
        if not sum(c.weight for c in out) > 0:
            rep(f"{key}.weights", "at least one claim needs a positive weight", wt)
            return None
    return tuple(out)


def _knot_date(s, run):
    m = _MONTH.match(s) if isinstance(s, str) else None
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3) or 1)
    try:
        date = dt.date(y, mo, d)
    except ValueError:
        return None
    month = None
    if run is not None:
        month = (y - run.start.year) * 12 + (mo - run.start.month) + (d - 1) / calendar.monthrange(y, mo)[1]
    return date, month


def _interp_rank(key, q, rep):
    """A path's ``interpolate`` and ``knot_rank``, reported when bad: ``(interp, rank, ok)``."""
    ok = True
    interp = q.get("interpolate", "linear")
    if interp not in _INTERP:
        rep(f"{key}.interpolate", f"must be one of {', '.join(_INTERP)}{_suggest(interp, _INTERP)}", interp)
        ok = False
    rank = q.get("knot_rank", 0.0)
    if not (_num(rank) and 0.0 <= rank < 1.0):
        rep(f"{key}.knot_rank", "must be a rank correlation from 0 (independent knots) to below 1", rank)
        ok = False
    return interp, rank, ok


def _knots(key, p, run, spec, interp, reasoning, rep):
    """The knots of a ``[path]`` table at ``key``, or None after reporting its problems; ``reasoning``
    is the quantity's, which a judgement knot may rely on."""
    if not (isinstance(p, dict) and p):
        rep(f"{key}.path", 'must be a table of knots: "YYYY-MM" = { family = ..., ... }', p)
        return None
    ok = True
    knots, last = [], None
    for ds, table in p.items():
        kk = f"{key}.path.{ds}"
        got = _knot_date(ds, run)
        if got is None:
            rep(kk, "knot keys must be dates written YYYY-MM or YYYY-MM-DD", ds); ok = False
            continue
        date, month = got
        if last is not None and date <= last:
            rep(kk, f"knot dates must increase down the file (after {last})", ds); ok = False
        last = date
        if run is not None and not (run.start <= date <= run.end):
            rep(kk, f"knot date outside the run window {run.start} .. {run.end}", ds); ok = False
        kbasis = ""
        if isinstance(table, dict):
            src = table.get("source", "")
            kbasis = table.get("basis", "")
            if kbasis and kbasis not in BASES:
                rep(f"{kk}.basis", f"must be one of {', '.join(BASES)}", kbasis); ok = False
            if kbasis == "judgement" and not _text(table.get("reasoning")) and not _text(reasoning):
                rep(f"{kk}.reasoning", 'missing: a knot with basis = "judgement" needs its reasoning (here or on '
                    "the quantity)", None); ok = False
            table = {k: v for k, v in table.items() if k not in _KNOT_EXTRA}
        else:
            src = ""
        d = parse_dist(table, kk, rep)
        if d is None or not _check_range(d, spec, kk, rep):
            ok = False
            continue
        if interp == "log" and (d.support()[0] < 0 or float(d.cdf(0.0)) > 0):
            rep(kk, "log interpolation needs knots that stay above 0", None); ok = False
        knots.append(Knot(date, 0.0 if month is None else month, d, src if isinstance(src, str) else "",
                          kbasis if isinstance(kbasis, str) else ""))
    return tuple(knots) if ok else None


def _path(key, q, run, spec, rep):
    ok = True
    if not _text(q.get("source")):
        rep(f"{key}.source", "missing: a path needs a source (document, date, what it says)", None); ok = False
    interp, rank, good = _interp_rank(key, q, rep)
    knots = _knots(key, q["path"], run, spec, interp, q.get("reasoning"), rep)
    if knots is None or not ok or not good:
        return None
    return knots, interp, float(rank)


def _correlations(cs, quantities, qdata, rep):
    if cs is None:
        return []
    if not isinstance(cs, list):
        rep("correlations", "must be a list of [[correlations]] tables", cs)
        return []
    out, seen = [], {}
    for i, c in enumerate(cs):
        key = f"correlations[{i}]"
        if not isinstance(c, dict):
            rep(key, "must be a table with between = [a, b] and rank", c); continue
        _unknown_keys(c, ("between", "rank", "notes", "source"), key, rep, "a correlation")
        b, r = c.get("between"), c.get("rank")
        if not (isinstance(b, list) and len(b) == 2 and all(isinstance(x, str) for x in b)):
            rep(f"{key}.between", "must name two quantities: between = [\"a\", \"b\"]", b); continue
        if not (_num(r) and -1 < r < 1):
            rep(f"{key}.rank", "must be a rank correlation strictly between -1 and 1", r); continue
        good = True
        for x in b:
            if x not in qdata:
                rep(f"{key}.between", f"unknown quantity {x!r}{_suggest(x, qdata)}", x); good = False
            elif x in quantities and quantities[x].is_path:
                load = path_loading(quantities[x].knot_rank)
                most = max_rank_with_path(load)
                if load <= 0:
                    rep(f"{key}.between", f"{x!r} is a path with independent knots (knot_rank = 0): a correlation "
                        "with a path acts through the factor its knots share, so give it knot_rank > 0", x)
                    good = False
                elif _num(r) and abs(r) > most + 1e-12:
                    need = 6.0 / math.pi * math.asin(min(1.0, (2.0 * math.sin(math.pi * abs(r) / 6.0)) ** 2) / 2.0)
                    rep(f"{key}.rank", f"{x!r} is a path with knot_rank {quantities[x].knot_rank:g}: a quantity's rank "
                        f"correlation with each of its knots can be at most {most:.3f}; lower the rank, or raise "
                        f"{x}.knot_rank to at least {need:.3f}", r); good = False
        if b[0] == b[1]:
            rep(f"{key}.between", "a quantity cannot be correlated with itself", b); good = False
        pair = frozenset(b)
        if good and pair in seen:
            rep(f"{key}.between", f"pair already correlated in correlations[{seen[pair]}]", b); good = False
        if good:
            seen[pair] = i
            if r != 0:
                out.append(Correlation(b[0], b[1], float(r)))
    if out:
        problem = check_correlations(out, {n: path_loading(quantities[n].knot_rank) for c in out for n in (c.a, c.b)
                                           if n in quantities and quantities[n].is_path})
        if problem:
            rep("correlations", problem, None)
    return out
