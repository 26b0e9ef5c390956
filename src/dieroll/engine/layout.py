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
from ..priors import PriorSet, copula_matrix, path_loading

__all__ = ["InputLayout", "build_layout", "stream_id", "Dists", "ScalarInputs", "PathInputs", "PathClaims"]

#: Every distribution of every claim and knot: a family ``code (D,)``, ``params (D, 8)`` and
#: the tables some families keep in ``aux`` (``aux[aux_off[d]:]``).
Dists = namedtuple("Dists", "code params aux aux_off")
#: The scalar inputs: random-number ``stream (S,)``, first claim's distribution ``first (S,)``,
#: number of claims ``ncl (S,)``, cumulative claim weights ``cum (S, C)``, and the Gaussian
#: copula: its members ``cop_idx (m,)`` (a scalar's index, or ``-(p + 1)`` for the common factor
#: of sampled path ``p``) and its Cholesky factor ``cop_chol (m, m)``.
ScalarInputs = namedtuple("ScalarInputs", "stream first ncl cum cop_idx cop_chol")
#: The path inputs as sampled: ``stream (P,)``, first knot's distribution ``first (P,)``,
#: knots ``nk (P,)``, offset in the knot vector ``koff (P,)``, each knot's random-number
#: ``step (K,)``, the common factor's ``loading (P,)``, and its row in the scalars' copula
#: ``cop (P,)`` (-1: the factor is not correlated with anything).
PathInputs = namedtuple("PathInputs", "stream first nk koff step loading cop")
#: Paths with competing claims (:class:`PathClaims`): per such path its random-number ``stream (Pc,)``,
#: its column in the claims array ``col (Pc,)`` and cumulative claim weights ``cum (Pc, C)``; then
#: one instruction per (claim, knot of the merged grid): the path ``pc (M,)``, the ``claim (M,)``, the
#: knot column it fills ``dst (M,)`` from the claim's own knot columns ``a, b (M,)`` at fraction
#: ``w (M,)`` by interpolation ``kind (M,)`` (0 linear, 1 log, 2 step).
PathClaims = namedtuple("PathClaims", "stream col cum pc claim dst a b w kind")

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
    pa_nk: np.ndarray       # (P,) int64
    pa_koff: np.ndarray     # (P,) int64 offset of the path's knots in the knot vector
    pa_interp: np.ndarray   # (P,) int64
    pa_seg: np.ndarray      # (P, T) int64 left knot of each time step
    pa_frac: np.ndarray     # (P, T) position between left and right knot
    knot_months: list[np.ndarray]
    # the paths as sampled: one per model path, or one per claim of a path with competing claims
    # (its knots in columns after every model path's); the model reads pa_koff/pa_nk
    sp_stream: np.ndarray   # (Ps,) uint64
    sp_first: np.ndarray    # (Ps,) int64 first knot's distribution; knots are consecutive
    sp_nk: np.ndarray       # (Ps,) int64
    sp_koff: np.ndarray     # (Ps,) int64 offset of its knots in the knot vector
    sp_step: np.ndarray     # (K,) uint64 random-number step of each knot column (absolute month)
    sp_loading: np.ndarray  # (Ps,) sqrt of the knot equicorrelation
    sp_cop: np.ndarray      # (Ps,) int64 row of the common factor in the copula, or -1
    path_claims: PathClaims
    path_claim_names: list  # the paths with competing claims, in claims-array column order
    n_knot_cols: int        # model knots plus the claims' own knots

    @property
    def n_claim_cols(self) -> int:
        """Columns of the claims array: one per scalar, then one per path with competing claims."""
        return self.n_scalars + len(self.path_claim_names)

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
        return PathInputs(self.sp_stream, self.sp_first, self.sp_nk, self.sp_koff, self.sp_step, self.sp_loading,
                          self.sp_cop)

    @property
    def grid(self) -> PathGrid:
        """The paths on the run's months, for the model's kernel (:func:`dieroll._months.paths_month`)."""
        return PathGrid(self.pa_koff, self.pa_nk, self.pa_interp, self.pa_seg, self.pa_frac)

    @property
    def n_scalars(self) -> int:
        return len(self.scalar_names)

    @property
    def n_knots(self) -> int:
        """Columns of the knots array (the model's knots, then any competing claims' own)."""
        return self.n_knot_cols


def _positions(months, t):
    """For each time ``t`` (months after the run start): the left knot of its segment among
    ``months`` and the fraction of the way to the next (held at 0 before the first knot and 1
    after the last; all 0 for a single knot)."""
    t = np.asarray(t, dtype=float)
    if len(months) == 1:
        return np.zeros(t.shape, np.int64), np.zeros(t.shape)
    seg = np.clip(np.searchsorted(months, t, side="right") - 1, 0, len(months) - 2)
    left, right = months[seg], months[seg + 1]
    return seg.astype(np.int64), np.clip((t - left) / (right - left), 0.0, 1.0)



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
    pa_nk, pa_koff, steps, pa_interp, segs, fracs, months_list = ([] for _ in range(7))
    abs_month = lambda d: d.year * 12 + d.month - 1  # noqa: E731
    # the model's knot columns first (a path with competing claims: every claim's dates merged)
    model_knots = []
    for name in path_names:
        q = prior.quantities[name]
        if q.path_claims:
            when = {k.date: k.month for c in q.claims for k in c.knots}
            model_knots.append([(when[d], abs_month(d)) for d in sorted(when)])
        elif q.is_path:
            model_knots.append([(k.month, abs_month(k.date)) for k in q.knots])
        else:
            model_knots.append([(0.0, abs_month(prior.run.start))])
    hidden = sum(len(k) for k in model_knots)
    sp = {k: [] for k in ("stream", "first", "nk", "koff", "load")}
    pc = {k: [] for k in ("stream", "col", "cum")}
    inst = {k: [] for k in ("pc", "claim", "dst", "a", "b", "w", "kind")}
    pc_names = []
    koff = 0
    for p, name in enumerate(path_names):
        q = prior.quantities[name]
        if q.is_path:
            interp, rank = q.interpolate, q.knot_rank
        else:  # a scalar where the model reads a path: constant
            interp, rank = "step", 0.0
            if len(q.claims) > 1:
                from ..errors import RunError
                raise RunError(f"quantities.{name}: competing claims on a quantity the model reads as a path "
                               "each give a [path] of knots, not a dist")
        loading = path_loading(rank)
        knots = model_knots[p]
        pa_nk.append(len(knots))
        pa_koff.append(koff)
        pa_interp.append(INTERP_CODES[interp])
        months = np.array([k[0] for k in knots])
        months_list.append(months)
        seg, frac = _positions(months, np.arange(T))
        segs.append(seg)
        fracs.append(frac)
        if q.path_claims:
            i = len(pc_names)
            pc_names.append(name)
            pc["stream"].append(stream_id(name))
            pc["col"].append(len(scalar_names) + i)
            pc["cum"].append(np.cumsum([c.weight for c in q.claims]) / sum(c.weight for c in q.claims))
            for ci, c in enumerate(q.claims):
                sp["stream"].append(stream_id(name)); sp["first"].append(len(specs)); sp["nk"].append(len(c.knots))
                sp["koff"].append(hidden); sp["load"].append(loading)
                steps.extend((hidden + j, abs_month(k.date)) for j, k in enumerate(c.knots))
                specs.extend(k.dist.kernel_spec() for k in c.knots)
                # each merged knot from the claim's own knots, as the model would interpolate the claim
                seg, frac = _positions(np.array([k.month for k in c.knots]), months)
                last = len(c.knots) - 1
                for u, (a, w) in enumerate(zip(seg, frac)):
                    inst["pc"].append(i); inst["claim"].append(ci); inst["dst"].append(koff + u)
                    inst["a"].append(hidden + a); inst["b"].append(hidden + min(a + 1, last))
                    inst["w"].append(float(w)); inst["kind"].append(INTERP_CODES[interp])
                hidden += len(c.knots)
        else:
            sp["stream"].append(stream_id(name)); sp["first"].append(len(specs)); sp["nk"].append(len(knots))
            sp["koff"].append(koff); sp["load"].append(loading)
            steps.extend((koff + j, k[1]) for j, k in enumerate(knots))
            if q.is_path:
                specs.extend(k.dist.kernel_spec() for k in q.knots)
            else:
                specs.append(q.claims[0].dist.kernel_spec())
        koff += len(knots)
    step_by_col = np.zeros(hidden, dtype=np.uint64)
    for col, st in steps:
        step_by_col[col] = st
    C2 = max((len(r) for r in pc["cum"]), default=1)
    pc_cum = np.ones((len(pc_names), C2))
    for i, r in enumerate(pc["cum"]):
        pc_cum[i, : len(r)] = r
        pc_cum[i, len(r) - 1] = 1.0
    path_claims = PathClaims(
        np.array(pc["stream"], dtype=np.uint64), np.array(pc["col"], dtype=np.int64), pc_cum,
        *(np.array(inst[k], dtype=np.int64) for k in ("pc", "claim", "dst", "a", "b")),
        np.array(inst["w"], dtype=float), np.array(inst["kind"], dtype=np.int64))
    aux_len = np.array([len(s.aux) for s in specs], dtype=np.int64)
    aux_off = np.concatenate([[0], np.cumsum(aux_len)[:-1]]).astype(np.int64) if specs else np.zeros(0, np.int64)
    aux = np.concatenate([s.aux for s in specs]) if specs else np.zeros(0)
    # the copula: correlated scalars (sorted), then the common factors of correlated paths
    in_corr = sorted({c.a for c in prior.correlations} | {c.b for c in prior.correlations})
    for n in in_corr:
        if n not in scalar_names and not prior.quantities[n].is_path:
            from ..errors import RunError
            raise RunError(f"correlations: the model reads {n} as a path, and the priors give it one value; "
                           "give it a [path] with knot_rank > 0 to correlate it")
    corr_names = [n for n in in_corr if n in scalar_names]
    corr_paths = [n for n in in_corr if n in path_names]
    members = corr_names + corr_paths
    sp_cop = np.full(len(sp["stream"]), -1, dtype=np.int64)
    cop_idx = [scalar_names.index(n) for n in corr_names]
    sp_of = {}  # quantity -> its sampled paths
    for i, st in enumerate(sp["stream"]):
        sp_of.setdefault(st, []).append(i)
    for a, n in enumerate(corr_paths, start=len(corr_names)):
        subs = sp_of[stream_id(n)]
        cop_idx.append(-(subs[0] + 1))
        sp_cop[subs] = a
    if members:
        m, _ = copula_matrix([c for c in prior.correlations if c.a in members and c.b in members], members,
                             {n: path_loading(prior.quantities[n].knot_rank) for n in corr_paths})
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
        cop_idx=np.array(cop_idx, dtype=np.int64), cop_chol=chol,
        pa_nk=np.array(pa_nk, dtype=np.int64), pa_koff=np.array(pa_koff, dtype=np.int64),
        pa_interp=np.array(pa_interp, dtype=np.int64),
        sp_stream=np.array(sp["stream"], dtype=np.uint64), sp_first=np.array(sp["first"], dtype=np.int64),
        sp_nk=np.array(sp["nk"], dtype=np.int64), sp_koff=np.array(sp["koff"], dtype=np.int64),
        sp_step=step_by_col, sp_loading=np.array(sp["load"], dtype=float), sp_cop=sp_cop,
        path_claims=path_claims, path_claim_names=pc_names, n_knot_cols=hidden,
        pa_seg=np.array(segs, dtype=np.int64).reshape(len(path_names), T),
        pa_frac=np.array(fracs, dtype=float).reshape(len(path_names), T),
        knot_months=months_list,
    )
