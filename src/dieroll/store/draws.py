"""``draws.zarr``: every draw's inputs, chosen claims and outputs (``--keep-draws``).

ArviZ's layout: dimensions ``chain`` (length 1: Monte Carlo draws are one
independent sequence) and ``draw``; group ``prior`` holds the inputs (one
variable per scalar quantity, ``<quantity>_claim`` with the index of the claim
drawn — its ``flag_meanings`` lists the claim ids — and one variable per path
with a ``<path>_knot`` dimension), group ``prior_predictive`` the outputs as
float32 ``(chain, draw, *extra, time)``.  Written chunk by chunk, compressed;
the root carries the run's provenance (seed, draws, priors sha256, version)
and the metadata is consolidated.  :func:`dieroll.open_run` drops ``chain``.
"""
from __future__ import annotations

import os

import numpy as np
import xarray as xr

from ..units import cf_attrs

__all__ = ["DrawsWriter"]

_BATCH = 65_536


class DrawsWriter:
    """Append chunks of draws to a ``draws.zarr`` store, or keep them in memory.

    Parameters
    ----------
    path : str or None
        Store path (created); ``None`` keeps the draws in memory (:meth:`datasets`).
    prior, model, layout
        The run's PriorSet, Model and InputLayout.
    """

    def __init__(self, path, prior, model, layout):
        self.path, self.prior, self.model, self.layout = path, prior, model, layout
        self._memory = [] if path is None else None
        self.time = prior.run.dates()
        self._pending = []
        self._n_pending = 0
        self._started = False

    def add(self, chunk) -> None:
        """Buffer a chunk (copied) and write when enough draws have gathered."""
        self._pending.append((chunk.first, chunk.scalars.copy(), chunk.claims.copy(), chunk.knots.copy(),
                              chunk.out.astype(np.float32)))
        self._n_pending += chunk.scalars.shape[0]
        if self._n_pending >= _BATCH:
            self.flush()

    def _datasets(self):
        first = self._pending[0][0]
        sc = np.concatenate([p[1] for p in self._pending])
        cl = np.concatenate([p[2] for p in self._pending])
        kn = np.concatenate([p[3] for p in self._pending])
        out = np.concatenate([p[4] for p in self._pending], axis=2)
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
            dates = [str(k.date) for k in q.knots] if q.is_path else [str(prior.run.start)]
            icoords[kd] = np.array(dates, dtype=object)
            inputs[name] = xr.Variable(("draw", kd), kn[:, k0:k0 + nk], {**cf_attrs(q.units), "long_name": q.description, "basis": q.basis})
        outputs, ocoords = {}, {"draw": draw, "time": self.time}
        contract = self.model.contract
        for o in contract.outputs:
            dims = tuple(d for d, _ in o.dims)
            for d, labels in o.dims:
                ocoords[d] = np.array(labels, dtype=object)
            block = out[contract.block(o.name)].reshape(contract.shape(o.name) + (len(self.time), n))
            outputs[o.name] = xr.Variable(dims + ("time", "draw"), block,
                                          {**cf_attrs(o.units), "long_name": o.long_name}).transpose("draw", ...)
        return xr.Dataset(inputs, coords=icoords), xr.Dataset(outputs, coords=ocoords)

    def bytes_per_draw(self) -> int:
        """Uncompressed bytes one draw takes in ``draws.zarr`` (an upper bound on what is written)."""
        L = self.layout
        n_claims = sum(1 for name in L.scalar_names if len(self.prior.quantities[name].claims) > 1)
        return 8 + 8 * L.n_scalars + n_claims + 8 * L.n_knots + 4 * self.model.n_series * len(self.time)

    def flush(self) -> None:
        """Write what is buffered (after checking the free space and for Ctrl-C)."""
        if not self._pending:
            return
        if self._memory is None:
            from .files import check_free
            from .folder import check_stop
            check_stop()
            n = self._n_pending
            check_free(os.path.dirname(os.path.abspath(self.path)), n * self.bytes_per_draw(),
                       f"draws.zarr (the next {n:,} draws)")
        prior_ds, pred_ds = self._datasets()
        self._pending, self._n_pending = [], 0
        if self._memory is not None:
            self._memory.append((prior_ds, pred_ds))
            return
        for group, ds in (("prior", prior_ds), ("prior_predictive", pred_ds)):
            ds = ds.expand_dims(chain=np.array([0], dtype=np.int64))  # ArviZ's layout: one chain
            if not self._started:
                ds.to_zarr(self.path, group=group, mode="w" if group == "prior" else "a", consolidated=False)
            else:
                ds.to_zarr(self.path, group=group, append_dim="draw", consolidated=False)
        self._started = True

    def close(self, attrs: dict) -> None:
        """Write what is buffered, record ``attrs`` (the run's provenance) on the store's root
        and consolidate its metadata, so that readers open it in one read."""
        self.flush()
        if self._memory is not None or not self._started:
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
