"""``draws.zarr``: every draw's inputs, chosen claims and outputs (``--keep-draws``).

ArviZ's layout: dimensions ``chain`` (length 1: Monte Carlo draws are one
independent sequence) and ``draw``; group ``prior`` holds the inputs (one
variable per scalar quantity, ``<quantity>_claim`` with the index of the claim
drawn — its ``flag_meanings`` lists the claim ids — and one variable per path
with a ``<path>_knot`` dimension), group ``prior_predictive`` the outputs as
float32 ``(chain, draw, *extra, time)``.  The root carries the run's provenance
(seed, draws, priors sha256, version) and the metadata is consolidated.
:func:`dieroll.open_run` drops ``chain``.

How it is written
    The store is created first with every array at its full size (``N``
    draws) and chunks of ``BATCH`` draws (:meth:`DrawsWriter.create`; no data
    yet), then each batch of draws is written into its own region: draws
    ``k BATCH .. (k + 1) BATCH - 1`` are one zarr chunk of every array, and
    no two batches share a chunk.  ``BATCH`` is the reducer's fold, where a
    cluster run cuts its tasks (:mod:`dieroll.engine.distributed`), so on a
    cluster each worker writes the batches of its own tasks
    (:meth:`DrawsWriter.for_task`), in any order and as often as dask retries
    a task, and the store has the same bytes as a local run's.
"""
from __future__ import annotations

import os

import numpy as np
import xarray as xr

from ..engine.reduce import FOLD
from ..errors import RunStoreError
from ..selection import label_attrs
from ..units import cf_attrs

__all__ = ["DrawsWriter", "BATCH"]

#: Draws per zarr chunk along ``draw``, and per write: the reducer's fold (65,536).
BATCH = FOLD
_GROUPS = ("prior", "prior_predictive")


class DrawsWriter:
    """Write chunks of draws to a ``draws.zarr`` store, or keep them in memory.

    Parameters
    ----------
    path : str or None
        Store path (created); ``None`` keeps the draws in memory (:meth:`datasets`).
    prior, model, layout
        The run's PriorSet, Model and InputLayout.
    draws : int, optional
        Draws the run makes in all (the arrays' length); needed to write a store.
    """

    def __init__(self, path, prior, model, layout, draws: int | None = None):
        if path is not None and draws is None:
            raise ValueError("a draws store needs the run's number of draws")
        self.path, self.prior, self.model, self.layout = path, prior, model, layout
        self.draws = None if draws is None else int(draws)
        self._memory = [] if path is None else None
        self.time = prior.run.dates()
        self._pending = []

    # ------------------------------------------------------------------ adding draws
    def add(self, chunk) -> None:
        """Buffer a chunk (copied); write every batch it completes."""
        if self._pending and chunk.first != self._end():
            raise ValueError(f"chunks must arrive in draw order: expected draw {self._end()}, got {chunk.first}")
        self._pending.append((chunk.first, chunk.scalars.copy(), chunk.claims.copy(), chunk.knots.copy(),
                              chunk.out.astype(np.float32)))
        while self._pending and self._end() >= (self._pending[0][0] // BATCH + 1) * BATCH:
            self._write((self._pending[0][0] // BATCH + 1) * BATCH)

    def _end(self) -> int:
        f, sc = self._pending[-1][0], self._pending[-1][1]
        return f + sc.shape[0]

    def _take(self, upto: int):
        """The buffered draws before ``upto`` as arrays; the rest stays buffered."""
        first = self._pending[0][0]
        parts = [np.concatenate([p[i] for p in self._pending], axis=-1 if i == 4 else 0) for i in range(1, 5)]
        n = upto - first
        keep = [p[n:] for p in parts[:3]] + [parts[3][..., n:]]
        self._pending = [(upto, *keep)] if keep[0].shape[0] else []
        return first, [p[:n] for p in parts[:3]] + [parts[3][..., :n]]

    def _write(self, upto: int) -> None:
        first, (sc, cl, kn, out) = self._take(upto)
        prior_ds, pred_ds = self._datasets(first, sc, cl, kn, out)
        if self._memory is not None:
            self._memory.append((prior_ds, pred_ds))
            return
        from .files import check_free
        from .folder import check_stop
        check_stop()
        n = sc.shape[0]
        check_free(os.path.dirname(os.path.abspath(self.path)), n * self.bytes_per_draw(),
                   f"draws.zarr (draws {first:,} to {first + n - 1:,})")
        if not os.path.isdir(self.path):  # create() was called; a stopped run's folder removed since
            raise RunStoreError(f"{self.path} is gone (the run was stopped); draws {first:,} and on not written")
        region = {"draw": slice(first, first + n)}
        for group, ds in zip(_GROUPS, (prior_ds, pred_ds)):
            ds = ds.drop_vars([c for c in ds.coords if "draw" not in ds[c].dims])
            ds.expand_dims(chain=1).to_zarr(self.path, group=group, mode="r+", region=region,
                                            consolidated=False)

    def flush(self) -> None:
        """Write every buffered draw (the run's or the task's last, possibly partial, batch)."""
        if self._pending:
            self._write(self._end())

    # ------------------------------------------------------------------ the store
    def _datasets(self, first, sc, cl, kn, out):
        n = sc.shape[0]
        draw = np.arange(first, first + n, dtype=np.int64)
        L, prior = self.layout, self.prior
        inputs, icoords = {}, {"draw": draw}
        for s, name in enumerate(L.scalar_names):
            q = prior.quantities[name]
            inputs[name] = xr.Variable("draw", sc[:, s], {**cf_attrs(q.units), "long_name": q.description, "basis": q.basis})
            if len(q.claims) > 1:
                inputs[f"{name}_claim"] = xr.Variable(
                    "draw", cl[:, s].astype(np.int8),
                    {"long_name": f"claim drawn for {name}", "flag_values": list(range(len(q.claims))),
                     "flag_meanings": " ".join(c.id for c in q.claims),
                     "claim_weights": [float(w) for w in q.weights]})
        for p, name in enumerate(L.path_names):
            q = prior.quantities[name]
            k0, nk = int(L.pa_koff[p]), int(L.pa_nk[p])
            kd = f"{name}_knot"
            dates = [str(d) for d in q.knot_dates] if q.is_path else [str(prior.run.start)]
            icoords[kd] = np.array(dates, dtype=object)
            judged = {k.date for _, _, knots in (q.paths() if q.is_path else ()) for k in knots
                      if k.basis == "judgement"}
            inputs[name] = xr.Variable(("draw", kd), kn[:, k0:k0 + nk], {
                **cf_attrs(q.units), "long_name": q.description, "basis": q.basis,
                "knot_basis": ["judgement" if d in judged else "" for d in (q.knot_dates if q.is_path else ())]
                or [""]})
        for i, name in enumerate(L.path_claim_names or ()):
            q = prior.quantities[name]
            inputs[f"{name}_claim"] = xr.Variable(
                "draw", cl[:, L.n_scalars + i].astype(np.int8),
                {"long_name": f"claim drawn for {name}", "flag_values": list(range(len(q.claims))),
                 "flag_meanings": " ".join(c.id for c in q.claims),
                 "claim_weights": [float(w) for w in q.weights]})
        outputs, ocoords = {}, {"draw": draw, "time": self.time}
        contract = self.model.contract
        for o in contract.outputs:
            dims = tuple(d for d, _ in o.dims)
            for d, labels in o.dims:
                ocoords[d] = xr.Variable(d, np.array(labels, dtype=object), label_attrs(self.model, d))
            block = out[contract.block(o.name)].reshape(contract.shape(o.name) + (len(self.time), n))
            outputs[o.name] = xr.Variable(dims + ("time", "draw"), block,
                                          {**cf_attrs(o.units), "long_name": o.long_name}).transpose("draw", ...)
        return xr.Dataset(inputs, coords=icoords), xr.Dataset(outputs, coords=ocoords)

    def create(self) -> None:
        """Create the store: every array at its full length in chunks of ``BATCH`` draws,
        the coordinates written, no draws yet.  Called once, before the run's first
        chunk (on a cluster, by the client before the workers write their regions)."""
        import dask.array as da
        if self.path is None:
            raise ValueError("an in-memory writer has no store to create")
        L = self.layout
        one = self._datasets(0, np.zeros((1, L.n_scalars)), np.zeros((1, L.n_claim_cols), np.int16),
                             np.zeros((1, L.n_knots)), np.zeros((self.model.n_series, len(self.time), 1), np.float32))
        N = self.draws
        for group, ds in zip(_GROUPS, one):
            lazy = {}
            for name, v in ds.data_vars.items():
                shape = (1, N) + v.shape[1:]
                lazy[name] = xr.Variable(("chain",) + v.dims, da.zeros(shape, dtype=v.dtype,
                                         chunks=(1, min(BATCH, N)) + v.shape[1:]), v.attrs)
            coords = {c: ds[c].variable for c in ds.coords if c != "draw"}
            coords["draw"] = np.arange(N, dtype=np.int64)
            coords["chain"] = np.array([0], dtype=np.int64)
            xr.Dataset(lazy, coords=coords).to_zarr(self.path, group=group, mode="w" if group == "prior" else "a",
                                                    compute=False, consolidated=False)

    def for_task(self, start: int, stop: int) -> "DrawsWriter":
        """A writer for draws ``start .. stop - 1`` into this (created) store, as a cluster
        task runs them: ``start`` must begin a batch and ``stop`` end one (or the run)."""
        if self.path is None:
            raise ValueError("an in-memory writer has no store for tasks")
        for d in (start, stop):
            if d % BATCH and d != self.draws:
                raise RunStoreError(f"kept draws are written in batches of {BATCH:,} draws: a task from draw "
                                    f"{start:,} to {stop:,} does not start and end on one")
        if not os.path.isdir(self.path):
            raise RunStoreError(f"{self.path}: kept draws on a cluster need the runs folder on a filesystem "
                                f"every worker sees (this worker, pid {os.getpid()}, does not see it)")
        return DrawsWriter(self.path, self.prior, self.model, self.layout, self.draws)

    def bytes_per_draw(self) -> int:
        """Uncompressed bytes one draw takes in ``draws.zarr`` (an upper bound on what is written)."""
        L = self.layout
        n_claims = sum(1 for name in L.scalar_names if len(self.prior.quantities[name].claims) > 1)
        n_claims += len(L.path_claim_names or ())
        return 8 + 8 * L.n_scalars + n_claims + 8 * L.n_knots + 4 * self.model.n_series * len(self.time)

    def close(self, attrs: dict) -> None:
        """Write what is buffered, record ``attrs`` (the run's provenance) on the store's root
        and consolidate its metadata, so that readers open it in one read."""
        self.flush()
        if self._memory is not None:
            return
        import zarr
        root = zarr.open_group(self.path, mode="r+")
        root.attrs.update({k: v for k, v in attrs.items() if isinstance(v, (str, int, float, bool))})
        import warnings
        with warnings.catch_warnings():
            # zarr 3 warns that consolidated metadata is not in the v3 specification yet;
            # zarr-python and xarray read it, and other readers fall back to the per-array files
            warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
            zarr.consolidate_metadata(self.path)

    def datasets(self):
        """In-memory mode: the ``prior`` and ``prior_predictive`` Datasets of every draw."""
        self.flush()
        parts = self._memory or []
        if not parts:
            return None, None
        return (xr.concat([p[0] for p in parts], dim="draw"),
                xr.concat([p[1] for p in parts], dim="draw"))
