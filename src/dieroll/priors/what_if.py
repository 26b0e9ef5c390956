"""What-ifs from the command line: ``--weight q.claim=share`` (or ``=2x``) and ``--set q=value``.

A weight is a share: ``--weight smic_yield.ft=0.8`` gives the FT claim 80 % of the
quantity's draws and the other claims the remaining 20 % in proportion to their
weights; ``--weight smic_yield.ft=2x`` doubles its weight before the shares are
taken (:func:`effective_weights`).

Each becomes a fragment under the ``extends`` rules and is validated like a
file, so the run's resolved ``priors.toml`` holds the changed weights and
values, and the provenance lists the what-ifs as given.  Values are read as
TOML (a number, or an inline table such as ``{family = "beta", mean = 0.3,
sd = 0.05}``); nothing is evaluated.
"""
from __future__ import annotations

import math
import re
import tomllib

from ..errors import PriorsError, Problem

__all__ = ["parse_weight", "parse_set", "effective_weights", "what_if_title", "what_if_fragment", "apply_what_ifs",
           "magnitude_warnings", "SUFFIXES"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CLAIM = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


def _bad(option, text, msg):
    return PriorsError([Problem(option, "", f"{text!r}: {msg}")])


def parse_weight(text: str) -> tuple[str, str, float, bool]:
    """``"smic_yield.ft=0.8"`` -> ``("smic_yield", "ft", 0.8, False)``: the claim's share;
    ``"smic_yield.ft=2x"`` -> ``("smic_yield", "ft", 2.0, True)``: its weight multiplied."""
    m = re.match(r"^\s*([^.=\s]+)\.([^=\s]+)\s*=\s*(\S+?)(x?)\s*$", str(text))
    if not m or not _NAME.match(m.group(1)) or not _CLAIM.match(m.group(2)):
        raise _bad("--weight", text, "write QUANTITY.CLAIM=SHARE, e.g. smic_yield.ft=0.8 (80 % of the quantity's "
                   "draws), or QUANTITY.CLAIM=FACTORx, e.g. smic_yield.ft=2x (its weight doubled)")
    times = m.group(4) == "x"
    try:
        w = float(m.group(3))
    except ValueError:
        raise _bad("--weight", text, "the share must be a number from 0 to 1, e.g. 0.8, or a factor such as 2x") \
            from None
    if times and not (math.isfinite(w) and 0 <= w <= 1e6):
        raise _bad("--weight", text, "the factor must be a finite number from 0 to 1e6, e.g. 2x")
    if not times and not (math.isfinite(w) and 0 <= w <= 1):
        raise _bad("--weight", text, "the share must be from 0 to 1 (0.8 gives the claim 80 % of the draws; to "
                   "multiply its weight write a factor, e.g. 2x)")
    return m.group(1), m.group(2), w, times


def effective_weights(prior, weights) -> dict[str, dict[str, float]]:
    """The claims' weights after ``--weight`` strings, as shares that sum to 1, for each
    quantity they touch.  A share ``c=0.8`` gives claim ``c`` 80 % and the other claims
    the rest in proportion to their weights; a factor ``c=2x`` multiplies ``c``'s weight
    before the shares are taken.  Raises PriorsError naming the strings at fault."""
    by_q: dict[str, list] = {}
    problems: list[Problem] = []
    for text in weights:
        q, claim, w, times = parse_weight(text)
        have = prior.quantities.get(q)
        if have is None:
            problems.append(Problem("--weight", "", f"{text!r}: no quantity {q!r} in the priors"))
            continue
        ids = [] if have.single_source else [c.id for c in have.claims]
        if claim not in ids:
            problems.append(Problem("--weight", "", f"{text!r}: {q} has no claim {claim!r}; "
                                    + (f"its claims are {', '.join(ids)}" if ids else "it has a single dist or "
                                       "path, no claims to weigh (use --set)")))
            continue
        by_q.setdefault(q, []).append((text, claim, w, times))
    out = {}
    for q, given in by_q.items():
        base = {c.id: c.weight for c in prior.quantities[q].claims}
        for _, claim, w, times in given:
            if times:
                base[claim] *= w
        total = sum(base.values())
        base = {k: v / total for k, v in base.items()} if total > 0 else base
        shares = {claim: w for _, claim, w, times in given if not times}
        fixed = sum(shares.values())
        rest = {k: v for k, v in base.items() if k not in shares}
        texts = ", ".join(repr(t) for t, *_ in given)
        if fixed > 1 + 1e-12:
            problems.append(Problem("--weight", "", f"{texts}: the shares given for {q} add up to {fixed:.3g}, more "
                                    "than 1"))
            continue
        left = 1.0 - fixed
        if shares and left > 1e-12 and sum(rest.values()) <= 0:
            problems.append(Problem("--weight", "", f"{texts}: the shares given for {q} add up to {fixed:.3g} and "
                                    "no other claim of it is drawn to take the rest; give shares that add up to 1"))
            continue
        if shares:
            r = sum(rest.values())
            new = {k: (shares[k] if k in shares else (v / r * left if r > 0 else 0.0)) for k, v in base.items()}
        else:
            new = base
        if sum(new.values()) <= 0:
            problems.append(Problem("--weight", "", f"{texts}: every claim of {q} would have weight 0"))
            continue
        out[q] = new
    if problems:
        raise PriorsError(problems)
    return out


#: Suffixes a ``--set`` number may carry: ``15M`` is 15,000,000.
SUFFIXES = {"k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9}
_SUFFIXED = re.compile(r"^\s*([+-]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([kKMBG])\s*$")


def parse_set(text: str):
    """``"packaging_yield=0.8"`` -> ``("packaging_yield", 0.8)``; ``"hbm_stockpile=15M"`` ->
    ``("hbm_stockpile", 15_000_000.0)`` (suffixes k, M, B or G); a TOML inline table gives a dist."""
    name, sep, rhs = str(text).partition("=")
    name = name.strip()
    if not sep or not _NAME.match(name) or not rhs.strip():
        raise _bad("--set", text, "write QUANTITY=VALUE, e.g. packaging_yield=0.8 or hbm_stockpile=15M, or "
                   "QUANTITY={family = \"beta\", mean = 0.3, sd = 0.05}")
    m = _SUFFIXED.match(rhs)
    if m:
        try:
            return name, float(m.group(1).replace("_", "")) * SUFFIXES[m.group(2)]
        except ValueError:
            pass
    try:
        value = tomllib.loads(f"v = {rhs.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        raise _bad("--set", text, "the value must be a number (15000000, 15_000_000 or 15M; suffixes k, M, B) or "
                   "a TOML inline table of a dist") from None
    if isinstance(value, bool) or not isinstance(value, (int, float, dict)):
        raise _bad("--set", text, "the value must be a number (15000000, 15_000_000 or 15M; suffixes k, M, B) or "
                   "a TOML inline table of a dist")
    return name, value


def magnitude_warnings(prior, sets=(), values: dict | None = None, factor: float = 1e3) -> list[str]:
    """A line for each ``--set`` number more than ``factor`` times above or below the median the
    priors give the quantity (at its first knot for a path): a likely slip of units, such as
    ``hbm_stockpile=15`` meant as 15 million."""
    given = [(text, *parse_set(text)) for text in sets] + [(f"{q}={v!r}", q, v) for q, v in (values or {}).items()]
    out = []
    for text, q, value in given:
        have = prior.quantities.get(q)
        if have is None or isinstance(value, dict) or not value or not math.isfinite(float(value)):
            continue
        try:
            med = float(have.paths()[0][2][0].dist.ppf(0.5)) if have.is_path else float(have.ppf([0.5])[0])
        except (ValueError, IndexError, TypeError):
            continue
        if not (med and math.isfinite(med)) or (med > 0) != (value > 0):
            continue
        ratio = abs(float(value) / med)
        if ratio >= factor or ratio <= 1 / factor:
            from ..text import human
            side = "below" if ratio < 1 else "above"
            hint = next((f"; if you meant {human(value * m)} write {q}={value:g}{s}" for s, m in
                         (("k", 1e3), ("M", 1e6), ("B", 1e9)) if ratio < 1 and 0.1 <= abs(value * m / med) <= 10),
                        "")
            out.append(f"--set {text}: {value:g} is {ratio if ratio >= 1 else 1 / ratio:,.0f} times {side} the "
                       f"median the priors give {q} ({human(med)} {have.units}){hint}")
    return out


#: The longest title a what-if derives (the change list is cut with an ellipsis).
TITLE_MAX = 160


def what_if_title(prior, weights=(), sets=(), values: dict | None = None) -> str:
    """The title of a run with these what-ifs: the priors' title and the changes, e.g.
    ``"China AI compute, baseline + smic_yield: ft 80 %; packaging_yield = 0.7"``, so that
    no chart, table or listing of it can pass for the unchanged priors."""
    parts = []
    for text in weights:
        q, claim, w, times = parse_weight(text)
        parts.append(f"{q}: {claim} ×{w:g}" if times else f"{q}: {claim} {100 * w:g} %")
    for text in sets:
        q, value = parse_set(text)
        parts.append(f"{q} = {' '.join(str(text).partition('=')[2].split())}")  # as written: 15M, 0.7
    for q, value in (values or {}).items():
        parts.append(f"{q} = {value!r}")
    changes = "; ".join(parts)
    if len(changes) > TITLE_MAX:
        changes = changes[:TITLE_MAX - 1].rstrip() + "…"
    return f"{prior.run.title} + {changes}" if changes else prior.run.title


def what_if_fragment(prior, weights=(), sets=(), values: dict | None = None) -> dict:
    """The ``extends``-style fragment for the what-ifs, checked against ``prior``'s quantities and claims.

    ``sets`` are ``--set`` strings; ``values`` the same already parsed (name -> number or dist table).
    """
    problems: list[Problem] = []
    qs: dict = {q: {"weights": {k: round(v, 12) for k, v in w.items()}}
                for q, w in effective_weights(prior, weights).items()}
    given = [(text, *parse_set(text)) for text in sets] + [(f"{q}={v!r}", q, v) for q, v in (values or {}).items()]
    for text, q, value in given:
        have = prior.quantities.get(q)
        if have is None:
            problems.append(Problem("--set", "", f"{text!r}: no quantity {q!r} in the priors"))
            continue
        dist = {"family": "fixed", "value": value} if not isinstance(value, dict) else value
        entry = {"source": f"What-if on the command line: --set {text}", "basis": "judgement",
                 "reasoning": f"a what-if set on the command line (--set {text}), not evidence"}
        if have.is_path:
            entry["path"] = {str(d)[:7]: dict(dist) for d in have.knot_dates}
            entry["interpolate"] = have.interpolate
        else:
            entry["dist"] = dist
        qs[q] = {**qs.get(q, {}), **entry}
        qs[q].pop("weights", None)
    if problems:
        raise PriorsError(problems)
    return {"quantities": qs} if qs else {}


def apply_what_ifs(prior, weights=(), sets=(), values: dict | None = None, title: str | None = None, **kwargs):
    """``prior`` with the what-ifs applied (validated), and ``what_ifs`` recording them as given.

    The run's title becomes ``title`` if given, else :func:`what_if_title` (the priors'
    title and the changes) when there are what-ifs."""
    frag = what_if_fragment(prior, weights, sets, values)
    import warnings

    from ..errors import DierollWarning
    for line in magnitude_warnings(prior, sets, values):
        warnings.warn(line, DierollWarning, stacklevel=2)
    if frag or title is not None:
        frag.setdefault("run", {})["title"] = title if title is not None else \
            what_if_title(prior, weights, sets, values)
    if not frag:
        return prior
    from dataclasses import replace

    from . import extend_priors
    out = extend_priors(prior, frag, label="<command line what-if>", **kwargs)
    given = tuple(f"--weight {w}" for w in weights) + tuple(f"--set {s}" for s in sets) + \
        tuple(f"--set {q}={v!r}" for q, v in (values or {}).items())
    return replace(out, what_ifs=prior.what_ifs + given)
