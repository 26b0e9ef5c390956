"""What-ifs from the command line: ``--weight q.claim=w`` and ``--set q=value``.

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

__all__ = ["parse_weight", "parse_set", "what_if_fragment", "apply_what_ifs"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CLAIM = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


def _bad(option, text, msg):
    return PriorsError([Problem(option, "", f"{text!r}: {msg}")])


def parse_weight(text: str) -> tuple[str, str, float]:
    """``"smic_yield.ft=0.8"`` -> ``("smic_yield", "ft", 0.8)``."""
    m = re.match(r"^\s*([^.=\s]+)\.([^=\s]+)\s*=\s*(\S+)\s*$", str(text))
    if not m or not _NAME.match(m.group(1)) or not _CLAIM.match(m.group(2)):
        raise _bad("--weight", text, "write QUANTITY.CLAIM=WEIGHT, e.g. smic_yield.ft=0.8")
    try:
        w = float(m.group(3))
    except ValueError:
        raise _bad("--weight", text, "the weight must be a number, e.g. 0.8") from None
    if not math.isfinite(w) or not 0 <= w <= 1e12:
        raise _bad("--weight", text, "the weight must be a finite number from 0 to 1e12 (weights are divided by "
                   "their sum; 0 keeps the claim documented but never drawn)")
    return m.group(1), m.group(2), w


def parse_set(text: str):
    """``"packaging_yield=0.8"`` -> ``("packaging_yield", 0.8)``; a TOML inline table gives a dist."""
    name, sep, rhs = str(text).partition("=")
    name = name.strip()
    if not sep or not _NAME.match(name) or not rhs.strip():
        raise _bad("--set", text, "write QUANTITY=VALUE, e.g. packaging_yield=0.8, or QUANTITY={family = "
                   "\"beta\", mean = 0.3, sd = 0.05}")
    try:
        value = tomllib.loads(f"v = {rhs.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        raise _bad("--set", text, "the value must be a number or a TOML inline table of a dist") from None
    if isinstance(value, bool) or not isinstance(value, (int, float, dict)):
        raise _bad("--set", text, "the value must be a number or a TOML inline table of a dist")
    return name, value


def what_if_fragment(prior, weights=(), sets=(), values: dict | None = None) -> dict:
    """The ``extends``-style fragment for the what-ifs, checked against ``prior``'s quantities and claims.

    ``sets`` are ``--set`` strings; ``values`` the same already parsed (name -> number or dist table).
    """
    problems: list[Problem] = []
    qs: dict = {}
    for text in weights:
        q, claim, w = parse_weight(text)
        have = prior.quantities.get(q)
        if have is None:
            problems.append(Problem("--weight", "", f"{text!r}: no quantity {q!r} in the priors"))
            continue
        ids = [c.id for c in have.claims] if len(have.claims) > 1 or have.claims[:1] and have.claims[0].id != \
            "only" else []
        if claim not in ids:
            problems.append(Problem("--weight", "", f"{text!r}: {q} has no claim {claim!r}; "
                                    + (f"its claims are {', '.join(ids)}" if ids else "it has a single dist or "
                                       "path, no claims to weigh (use --set)")))
            continue
        qs.setdefault(q, {}).setdefault("weights", {})[claim] = w
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
            entry["path"] = {str(k.date)[:7]: dict(dist) for k in have.knots}
            entry["interpolate"] = have.interpolate
        else:
            entry["dist"] = dist
        qs[q] = {**qs.get(q, {}), **entry}
        qs[q].pop("weights", None)
    if problems:
        raise PriorsError(problems)
    return {"quantities": qs} if qs else {}


def apply_what_ifs(prior, weights=(), sets=(), values: dict | None = None, **kwargs):
    """``prior`` with the what-ifs applied (validated), and ``what_ifs`` recording them as given."""
    frag = what_if_fragment(prior, weights, sets, values)
    if not frag:
        return prior
    from dataclasses import replace

    from . import extend_priors
    out = extend_priors(prior, frag, label="<command line what-if>", **kwargs)
    given = tuple(f"--weight {w}" for w in weights) + tuple(f"--set {s}" for s in sets) + \
        tuple(f"--set {q}={v!r}" for q, v in (values or {}).items())
    return replace(out, what_ifs=prior.what_ifs + given)
