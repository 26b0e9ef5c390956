"""The China AI compute model: one module per supply channel, wired in ``_kernel``.

``MODEL`` is what the engine runs; :mod:`.reference` is a slow, plainly written
numpy version of the same equations kept for tests.
"""
from __future__ import annotations

import numba
import numpy as np

from .._stream import can_stream
from ..catalog import Model
from . import _kernel
from .inputs import INPUTS
from .outputs import CHANNELS, CONSTRAINTS, COUNTRIES, IDENTICAL, METRICS, OUTPUTS, ROUTES

__all__ = ["MODEL", "CHANNELS", "CONSTRAINTS", "COUNTRIES", "METRICS", "ROUTES"]


_NO_STREAM = np.empty(8, np.float32)


def _run_chunk(layout, scalars, knots, abs0, out, needed=None):
    stream = can_stream(out)
    write = np.ones(out.shape[:2], np.bool_) if needed is None else np.asarray(needed, np.bool_).reshape(out.shape[:2])
    _kernel.run_chunk(scalars, knots, abs0, layout.pa_koff, layout.pa_nk, layout.pa_interp,
                      layout.pa_seg, layout.pa_frac, numba.get_num_threads(), out,
                      out.reshape(-1) if stream else _NO_STREAM, stream, write)


MODEL = Model(name="china-ai-compute", inputs={i.name: i for i in INPUTS}, outputs=OUTPUTS,
              run_chunk=_run_chunk, identical=IDENTICAL, partial_chunks=True)
