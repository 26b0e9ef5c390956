"""The public entry points shared by the command line and notebooks."""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import xarray as xr

from .engine import simulate as _engine
from .engine.layout import build_layout
from .priors import PriorSet
from .store import DrawsWriter, summary_bytes, summary_dataset, write_run_folder
from .store.folder import DRAWS, PRIORS, SUMMARY
from .store.provenance import command_line

__all__ = ["Result", "cluster", "load_priors", "run", "run_to_folder", "default_run_name", "reweight", "simulate",
           "evaluate"]

_CHINA = object()


def load_priors(path, *, catalog=_CHINA) -> PriorSet:
    """:func:`dieroll.priors.load_priors` against the inputs of the model the file names in
    ``[run] model`` (else the packaged China model, :data:`dieroll.MODEL`), unless ``catalog``
    names another model's, or is ``None`` to accept any quantity names.  Raises
    :class:`~dieroll.errors.PriorsError` (or :class:`~dieroll.errors.ModelError` for the model)."""
    from .priors import load_priors as load
    if catalog is _CHINA:
        catalog = _model(None, path).inputs
    return load(path, catalog=catalog)


def simulate(prior: PriorSet, model=None, **kwargs):
    """Run ``model`` over ``prior`` in memory: :func:`dieroll.engine.simulate.simulate`
    (the same keywords), with the model ``prior`` names in ``[run] model`` (else the
    packaged China model) unless ``model`` is given.  Returns a
    :class:`~dieroll.engine.simulate.Simulation`."""
    return _engine.simulate(prior, _model_of(prior, model), **kwargs)


def evaluate(prior: PriorSet, model=None, **kwargs):
    """Every number of a few draws: :func:`dieroll.engine.simulate.evaluate` (the same
    keywords), with the model ``prior`` names unless ``model`` is given.  Returns a
    :class:`~dieroll.engine.simulate.Chunk`.

    Examples
    --------
    >>> ch = dieroll.evaluate(dieroll.load_priors("priors/baseline.toml"), draws=3)  # doctest: +SKIP
    >>> ch.out.shape                  # (output series, months, draws)               # doctest: +SKIP
    (54, 99, 3)
    """
    return _engine.evaluate(prior, _model_of(prior, model), **kwargs)


def _model_of(prior, model):
    if model is not None:
        return model
    from .modelfile import model_for
    return model_for(prior)


@contextlib.contextmanager
def cluster(*, workers: int | None = None, scheduler: str | None = None):
    """A dask.distributed Client for :func:`run` and :func:`run_to_folder` (``client=``).

    ``workers=N`` starts a LocalCluster of N single-threaded processes (numba on one
    thread each) and closes it afterwards; ``scheduler="tcp://host:8786"`` connects
    to an existing cluster (left running).  With neither, yields ``None`` (a local
    run).  See :mod:`dieroll.engine.distributed`.

    Examples
    --------
    >>> with dieroll.cluster(workers=2) as client:            # doctest: +SKIP
    ...     res = dieroll.run("priors/baseline.toml", draws=10**7, client=client)
    """
    from .engine import connect, local_cluster
    if workers is not None and scheduler is not None:
        from .errors import RunError
        raise RunError("give --workers (a local cluster) or --scheduler (an existing one), not both")
    if scheduler is not None:
        client = connect(scheduler)
        try:
            yield client
        finally:
            client.close()
    elif workers is not None:
        lc, client = local_cluster(workers)
        try:
            yield client
        finally:
            client.close()
            lc.close()
    else:
        yield None


def _model(model, priors=None):
    """The model a run uses: ``model`` (a Model, or a packaged model's name or a model file's
    path), else the one the priors file names in ``[run] model``, else the China model."""
    if isinstance(model, (str, os.PathLike)):
        from .modelfile import load_model
        return load_model(os.fspath(model))
    if model is not None:
        return model
    if priors is not None and not isinstance(priors, PriorSet):
        from .priors import model_reference
        ref = model_reference(priors)
        if ref is not None:
            from .modelfile import load_model
            return load_model(*ref)
    elif isinstance(priors, PriorSet):
        from .modelfile import model_for
        return model_for(priors)
    from .modelfile import default_model
    return default_model()


def _prepared(priors, model, weights=(), sets=(), title=None, as_of=None) -> PriorSet:
    """The PriorSet a run uses: loaded against ``model``'s inputs, what-ifs applied (and the
    title they derive, or ``title``), then cut to the claims published by ``as_of`` (so that
    ``--set`` can stand in for a quantity with no evidence by then).  The first half of the
    one composition path of :func:`run` and :func:`run_to_folder`."""
    prior = priors if isinstance(priors, PriorSet) else load_priors(priors, catalog=model.inputs)
    if weights or sets or (title is not None and as_of is None):
        from .priors.what_if import apply_what_ifs
        prior = apply_what_ifs(prior, weights, sets, title=title, catalog=model.inputs)
    if as_of is not None:
        from .priors.as_of import parse_as_of
        cut = parse_as_of(as_of)
        from dataclasses import replace
        prior = replace(prior.extend({"run": {"as_of": cut, "title": title if title is not None else
                                              f"{prior.run.title}, evidence as of {cut}"}}),
                        what_ifs=prior.what_ifs)
    return prior


def _simulated(prior, model, layout, writer, *, draws, seed, threads, chunk_size, progress,
               command, priors_file, client=None, task_size=None):
    """Sample ``prior`` through ``model`` (kept draws to ``writer``) and build the summary:
    the second half of the composition path.  Returns ``(simulation, summary Dataset)``."""
    if client is not None and writer is not None and writer.path is None:
        from .errors import RunError
        raise RunError("kept draws in memory (keep_draws=True in dieroll.run) are not gathered from a "
                       "cluster: use run_to_folder(..., keep_draws=True), whose workers write draws.zarr")
    if writer is not None and writer.path is not None:
        writer.create()  # batches are written into it, here or by the workers
    sim = _engine.simulate(prior, model, draws=draws, seed=seed, threads=threads, chunk_size=chunk_size,
                   on_chunk=writer.add if writer and client is None else None, progress=progress, layout=layout,
                   client=client, task_size=task_size, sink=writer if client is not None else None)
    return sim, summary_dataset(sim, command=command, priors_file=priors_file)


@dataclass(repr=False)
class Result:
    """An in-memory run.

    Attributes
    ----------
    summary : xarray.Dataset
        Quantiles, means and errors of every output.
    prior, prior_predictive : xarray.Dataset or None
        Per-draw inputs and outputs (ArviZ's group names), when draws were kept.
    prior_set : PriorSet
        The priors the run used (what-ifs applied).
    seconds : float
    """

    summary: xr.Dataset
    prior: xr.Dataset | None
    prior_predictive: xr.Dataset | None
    prior_set: PriorSet
    seconds: float

    def __repr__(self) -> str:
        from .store.summary import run_repr
        return run_repr("Result", self.summary, ", draws kept" if self.prior is not None else "")

    def _repr_html_(self) -> str:
        from .store.summary import run_html
        return run_html("Result", self.summary)


def run(priors, *, draws: int | None = None, seed: int | None = None, keep_draws: bool = False,
        threads: int | None = None, chunk_size: int | None = None, progress: bool = False,
        model=None, weights=(), sets=(), client=None, task_size: int | None = None,
        title: str | None = None, as_of=None) -> Result:
    """Run the model in memory (nothing written).

    Parameters
    ----------
    priors : str, path-like or PriorSet
    draws, seed : int, optional
        Override the priors' ``[run]`` settings.
    keep_draws : bool
        Keep every draw's inputs, claims and outputs (about 16 KB per draw in draws.zarr, compressed).
    threads, chunk_size : int, optional
        Engine settings; results do not depend on them.
    progress : bool
        Progress bar on stderr for long runs.
    model : Model or str, optional
        A model, a packaged model's name or a model file's path; defaults to the
        model the priors name in ``[run] model``, else the China AI compute model.
    weights, sets : sequence of str
        What-ifs as on the command line: ``"smic_yield.ft=0.8"``,
        ``"packaging_yield=0.8"`` (see :meth:`dieroll.PriorSet.what_if`).
    client : dask.distributed.Client, optional
        Run the draws as tasks on a dask cluster; the summary has the same bits
        as a local run (:mod:`dieroll.engine.distributed`).
    task_size : int, optional
        Draws per cluster task (a multiple of 65,536; default 4,194,304).
    title : str, optional
        The run's title (default: the priors' title, with the what-ifs or the cut-off).
    as_of : str or datetime.date, optional
        Use only the claims published by this date (``"2025-06-30"``), as ``[run] as_of``
        does: what the evidence said then.

    Returns
    -------
    Result
    """
    model = _model(model, priors)
    prior = _prepared(priors, model, weights, sets, title, as_of)
    layout = build_layout(prior, model.scalar_names, model.path_names)
    writer = DrawsWriter(None, prior, model, layout) if keep_draws else None
    sim, ds = _simulated(prior, model, layout, writer, draws=draws, seed=seed, threads=threads,
                         chunk_size=chunk_size, progress=progress, command=command_line(), priors_file=prior.path,
                         client=client, task_size=task_size)
    pr, pp = writer.datasets() if writer else (None, None)
    return Result(ds, pr, pp, prior, sim.seconds)


def reweight(run, weights: dict, **kwargs):
    """Shorthand for :func:`dieroll.analysis.reweight`."""
    from .analysis import reweight as _rw
    return _rw(run, weights, **kwargs)


def default_run_name(priors_path: str) -> str:
    """Run name from a priors file name: ``priors/baseline.toml`` -> ``baseline``."""
    return os.path.splitext(os.path.basename(priors_path))[0]


def run_to_folder(priors_path: str, *, runs_dir: str = "runs", name: str | None = None,
                  draws: int | None = None, seed: int | None = None, force: bool = False,
                  keep_draws: bool = False, progress: bool = False, charts: bool = True,
                  threads: int | None = None, chunk_size: int | None = None, model=None,
                  weights=(), sets=(), client=None, task_size: int | None = None,
                  title: str | None = None, as_of=None) -> str:
    """Run a priors file and write ``runs_dir/name`` (see :mod:`dieroll.store.folder`).

    ``weights`` and ``sets`` are what-ifs as on the command line
    (``"smic_yield.ft=0.8"``, ``"packaging_yield=0.8"``): the run's
    ``priors.toml`` holds the priors with them applied, and the manifest and
    summary list them (``what_ifs``).

    ``client`` (a dask.distributed Client) runs the draws as tasks on a cluster, with
    the same summary as a local run; ``task_size`` is draws per task.

    ``model`` defaults to the China AI compute model; another model's run is
    written the same way (its charts need ``china_total``-style outputs, so pass
    ``charts=False`` for a model without them).

    Returns
    -------
    str
        Path of the completed run folder.
    """
    model = _model(model, priors_path)
    prior = _prepared(priors_path, model, weights, sets, title, as_of)
    name = name or default_run_name(priors_path)
    from .store.folder import check_name
    check_name(name)
    command = command_line()

    def fill(tmp):
        from .store.files import check_free, human_bytes, write_bytes
        from .store.commit import crash_point
        from .store.folder import check_stop
        # exactly the resolved text, so that `sha256sum priors.toml` is the hash in the footnote and manifest
        write_bytes(os.path.join(tmp, PRIORS), prior.text.encode())
        layout = build_layout(prior, model.scalar_names, model.path_names)
        n = prior.run.draws if draws is None else _engine.whole(draws, "draws", 1, 10**10)
        writer = DrawsWriter(os.path.join(tmp, DRAWS), prior, model, layout, n) if keep_draws else None
        if writer:  # refuse before sampling a run whose kept draws cannot fit
            bpd = writer.bytes_per_draw()
            check_free(tmp, n * bpd, f"draws.zarr ({n:,} draws x {human_bytes(bpd)}, uncompressed)")
        sim, ds = _simulated(prior, model, layout, writer, draws=draws, seed=seed, threads=threads,
                             chunk_size=chunk_size, progress=progress, command=command,
                             priors_file=os.path.relpath(priors_path), client=client, task_size=task_size)
        if writer:
            writer.close({k: ds.attrs[k] for k in ("title", "dieroll_version", "git_commit", "model", "seed",
                                                   "draws", "priors_sha256", "created_at")})
        crash_point("draws-written")
        check_stop()
        write_bytes(os.path.join(tmp, SUMMARY), summary_bytes(ds))
        crash_point("summary-written")
        check_stop()
        if charts:
            from .plot.render import default_charts
            default_charts(ds, tmp, os.path.join(runs_dir, name), write=write_bytes, between=check_stop)
        return {"title": prior.run.title, "draws": sim.draws, "seed": str(sim.seed),
                "priors_file": os.path.relpath(priors_path), "priors_sha256": prior.sha256,
                "seconds": round(sim.seconds, 3), "engine": sim.settings, "keep_draws": keep_draws,
                "what_ifs": list(prior.what_ifs), "model": model.name,
                **({"model_file": model.source, "model_sha256": model.sha256} if model.sha256 else {})}

    return write_run_folder(runs_dir, name, fill, force=force)

