"""The China AI compute model: one module per supply channel, wired in ``_kernel``.

``MODEL`` is what the engine runs; :mod:`.reference` is a slow, plainly written
numpy version of the same equations kept for tests.
"""
from __future__ import annotations

import numba

from ..catalog import Model
from . import _kernel
from .inputs import INPUTS
from .outputs import CHANNELS, CONSTRAINTS, COUNTRIES, METRICS, OUTPUTS, ROUTES

__all__ = ["MODEL", "CHANNELS", "CONSTRAINTS", "COUNTRIES", "METRICS", "ROUTES"]


def _run_chunk(layout, scalars, knots, abs0, out):
    _kernel.run_chunk(scalars, knots, abs0, layout.pa_koff, layout.pa_nk, layout.pa_interp,
                      layout.pa_seg, layout.pa_frac, numba.get_num_threads(), out)


MODEL = Model(name="china-ai-compute", inputs={i.name: i for i in INPUTS}, outputs=OUTPUTS,
              run_chunk=_run_chunk)
