"""Pack a PriorSet into the flat arrays the sampling kernel reads.

Inputs are laid out in the model's declaration order, scalars first, then path
knots.  A scalar given for an input the model reads as a path becomes a
one-knot (constant) path.
"""
from __future__ import annotations

import zlib
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from .._months import PathGrid
from ..priors import PriorSet, copula_matrix

__all__ = ["InputLayout", "build_layout", "stream_id", "Dists", "ScalarInputs", "PathInputs"]

#: Every distribution of every claim and knot: a family ``code (D,)``, ``params (D, 8)`` and
#: the tables some families keep in ``aux`` (``aux[aux_off[d]:]``).
Dists = namedtuple("Dists", "code params aux aux_off")
#: The scalar inputs: random-number ``stream (S,)``, first claim's distribution ``first (S,)``,
#: number of claims ``ncl (S,)``, cumulative claim weights ``cum (S, C)``, and the Gaussian
#: copula: the scalars in it ``cop_idx (m,)`` and its Cholesky factor ``cop_chol (m, m)``.
ScalarInputs = namedtuple("ScalarInputs", "stream first ncl cum cop_idx cop_chol")
#: The path inputs as sampled: ``stream (P,)``, first knot's distribution ``first (P,)``,
#: knots ``nk (P,)``, offset in the knot vector ``koff (P,)``, each knot's random-number
#: ``step (K,)`` and the common factor's ``loading (P,)``.
PathInputs = namedtuple("PathInputs", "stream first nk koff step loading")

INTERP_CODES = {"linear": 0, "log": 1, "step": 2}


def stream_id(name: str) -> int:
    """Stable 32-bit stream number of a quantity (CRC-32 of its name)."""
    return zlib.crc32(name.encode("utf-8")) & 0xFFFFFFFF


@dataclass
class InputLayout:
    """Flat arrays describing every input for the kernels (see :func:`build_layout`)."""

    scalar_names: list[str]
    path_names: list[str]
    claim_ids: list[list[str]]
    # distributions
    code: np.ndarray        # (D,) int64
    params: np.ndarray      # (D, 8)
    aux: np.ndarray         # (A,)
    aux_off: np.ndarray     # (D,) int64
    aux_len: np.ndarray     # (D,) int64
    # scalars
    sc_stream: np.ndarray   # (S,) uint64
    sc_first: np.ndarray    # (S,) int64 index of first claim's distribution
    sc_ncl: np.ndarray      # (S,) int64
    sc_cum: np.ndarray      # (S, C) cumulative claim weights
    cop_idx: np.ndarray     # (m,) scalar indices in the copula
    cop_chol: np.ndarray    # (m, m) Cholesky factor
    # paths
    pa_stream: np.ndarray   # (P,) uint64
    pa_first: np.ndarray    # (P,) int64 first knot distribution; knots are consecutive
    pa_nk: np.ndarray       # (P,) int64
    pa_koff: np.ndarray     # (P,) int64 offset of the path's knots in the knot vector
    pa_step: np.ndarray     # (K,) uint64 random-number step of each knot (absolute month)
    pa_loading: np.ndarray  # (P,) sqrt of the knot equicorrelation
    pa_interp: np.ndarray   # (P,) int64
    pa_seg: np.ndarray      # (P, T) int64 left knot of each time step
    pa_frac: np.ndarray     # (P, T) position between left and right knot
    knot_months: list[np.ndarray]

    @property
    def dists(self) -> Dists:
        """The distributions, for the sampling kernel."""
        return Dists(self.code, self.params, self.aux, self.aux_off)

    @property
    def scalars(self) -> ScalarInputs:
        """The scalar inputs, for the sampling kernel."""
        return ScalarInputs(self.sc_stream, self.sc_first, self.sc_ncl, self.sc_cum, self.cop_idx, self.cop_chol)

    @property
    def paths(self) -> PathInputs:
        """The path inputs, for the sampling kernel."""
        return PathInputs(self.pa_stream, self.pa_first, self.pa_nk, self.pa_koff, self.pa_step, self.pa_loading)

    @property
    def grid(self) -> PathGrid:
        """The paths on the run's months, for the model's kernel (:func:`dieroll._months.paths_month`)."""
        return PathGrid(self.pa_koff, self.pa_nk, self.pa_interp, self.pa_seg, self.pa_frac)

    @property
    def n_scalars(self) -> int:
        return len(self.scalar_names)

    @property
    def n_knots(self) -> int:
        return int(self.pa_nk.sum())


def _interp_grid(months, n_steps):
    t = np.arange(n_steps, dtype=float)
    seg = np.clip(np.searchsorted(months, t, side="right") - 1, 0, max(len(months) - 2, 0))
    if len(months) == 1:
        return np.zeros(n_steps, np.int64), np.zeros(n_steps)
    left, right = months[seg], months[seg + 1]
    frac = np.clip((t - left) / (right - left), 0.0, 1.0)
    return seg.astype(np.int64), frac


def build_layout(prior: PriorSet, scalar_names, path_names) -> InputLayout:
    """Pack ``prior`` for a model that reads ``scalar_names`` and ``path_names``."""
    specs, cum_rows, claim_ids = [], [], []
    sc_first, sc_ncl, sc_stream = [], [], []
    for name in scalar_names:
        q = prior.quantities[name]
        sc_first.append(len(specs))
        sc_ncl.append(len(q.claims))
        sc_stream.append(stream_id(name))
        claim_ids.append([c.id for c in q.claims])
        cum = np.cumsum([c.weight for c in q.claims])
        cum = cum / cum[-1]
        cum[-1] = 1.0
        cum_rows.append(cum)
        specs.extend(c.dist.kernel_spec() for c in q.claims)
    C = max((len(r) for r in cum_rows), default=1)
    sc_cum = np.ones((len(scalar_names), C))
    for i, r in enumerate(cum_rows):
        sc_cum[i, : len(r)] = r
    T = prior.run.n_steps
    pa_first, pa_nk, pa_koff, pa_step, pa_load, pa_interp, segs, fracs, months_list = ([] for _ in range(9))
    koff = 0
    for name in path_names:
        q = prior.quantities[name]
        if q.is_path:
            knots = [(k.month, k.date.year * 12 + k.date.month - 1, k.dist) for k in q.knots]
            interp, rank = q.interpolate, q.knot_rank
        else:  # a scalar where the model reads a path: constant
            knots = [(0.0, prior.run.start.year * 12 + prior.run.start.month - 1, q.claims[0].dist)]
            interp, rank = "step", 0.0
            if len(q.claims) > 1:
                from ..errors import RunError
                raise RunError(f"quantities.{name}: competing claims are not supported on a quantity the model "
                               "reads as a path")
        pa_first.append(len(specs))
        pa_nk.append(len(knots))
        pa_koff.append(koff)
        koff += len(knots)
        pa_step.extend(k[1] for k in knots)
        rho = 2.0 * np.sin(np.pi * rank / 6.0)
        pa_load.append(np.sqrt(rho))
        pa_interp.append(INTERP_CODES[interp])
        months = np.array([k[0] for k in knots])
        months_list.append(months)
        s, f = _interp_grid(months, T)
        segs.append(s)
        fracs.append(f)
        specs.extend(k[2].kernel_spec() for k in knots)
    aux_len = np.array([len(s.aux) for s in specs], dtype=np.int64)
    aux_off = np.concatenate([[0], np.cumsum(aux_len)[:-1]]).astype(np.int64) if specs else np.zeros(0, np.int64)
    aux = np.concatenate([s.aux for s in specs]) if specs else np.zeros(0)
    corr_names = sorted({c.a for c in prior.correlations} | {c.b for c in prior.correlations})
    corr_names = [n for n in corr_names if n in scalar_names]
    if corr_names:
        m, _ = copula_matrix([c for c in prior.correlations if c.a in corr_names and c.b in corr_names],
                             corr_names)
        chol = np.linalg.cholesky(m)
    else:
        chol = np.zeros((0, 0))
    return InputLayout(
        scalar_names=list(scalar_names), path_names=list(path_names), claim_ids=claim_ids,
        code=np.array([s.code for s in specs], dtype=np.int64),
        params=np.array([s.params for s in specs]).reshape(len(specs), 8),
        aux=np.ascontiguousarray(aux, dtype=np.float64), aux_off=aux_off, aux_len=aux_len,
        sc_stream=np.array(sc_stream, dtype=np.uint64), sc_first=np.array(sc_first, dtype=np.int64),
        sc_ncl=np.array(sc_ncl, dtype=np.int64), sc_cum=sc_cum,
        cop_idx=np.array([scalar_names.index(n) for n in corr_names], dtype=np.int64), cop_chol=chol,
        pa_stream=np.array([stream_id(n) for n in path_names], dtype=np.uint64),
        pa_first=np.array(pa_first, dtype=np.int64), pa_nk=np.array(pa_nk, dtype=np.int64),
        pa_koff=np.array(pa_koff, dtype=np.int64), pa_step=np.array(pa_step, dtype=np.uint64),
        pa_loading=np.array(pa_load, dtype=float), pa_interp=np.array(pa_interp, dtype=np.int64),
        pa_seg=np.array(segs, dtype=np.int64).reshape(len(path_names), T),
        pa_frac=np.array(fracs, dtype=float).reshape(len(path_names), T),
        knot_months=months_list,
    )
