"""dieroll: Monte Carlo uncertainty for AI chip supply under disputed evidence.

The public API, used by both the command line and notebooks.
"""
from ._version import __version__

from .errors import DierollError, Interrupted, PriorsError, Problem, RunError, RunStoreError
from .priors import PriorSet, extend_priors
from .api import Result, cluster, evaluate, load_priors, reweight, run, run_to_folder, simulate
from .analysis import disputes, sensitivity, sweep
from .store import Run, clean, leftovers, list_runs, open_run
from . import export, plot, published
from .report import build_report, write_report

__all__ = [
    # priors
    "load_priors", "extend_priors", "PriorSet",
    # running
    "run", "run_to_folder", "Result", "cluster", "simulate", "evaluate", "MODEL",
    # disputes
    "disputes", "reweight", "sweep", "sensitivity",
    # runs on disk
    "open_run", "list_runs", "leftovers", "clean", "Run",
    # charts, tables, published estimates, the report
    "plot", "export", "published", "build_report", "write_report",
    # errors
    "DierollError", "PriorsError", "Problem", "RunError", "RunStoreError", "Interrupted",
]


def __getattr__(name):
    # ``dieroll.MODEL``: the packaged China model file, checked and built at first use
    # (importing dieroll does not import the units library)
    if name == "MODEL":
        from .modelfile import default_model
        return default_model()
    raise AttributeError(f"module 'dieroll' has no attribute {name!r}")
