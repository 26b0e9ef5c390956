"""Rank correlations between quantities, as a Gaussian copula.

A Spearman rank correlation ``r`` becomes the normal-score correlation
``2 sin(pi r / 6)`` (exact for the Gaussian copula).  The matrix must be
positive definite; otherwise the pairs whose change would repair it are named.

A path takes part through the common factor its knots share (``knot_rank``):
each knot's normal score is ``L z_common + sqrt(1 - L^2) z_own`` with loading
``L = sqrt(2 sin(pi knot_rank / 6))``, so a correlation ``rho`` with every knot
is a correlation ``rho / L`` with the common factor (:func:`path_loading`).
"""
from __future__ import annotations

import numpy as np

__all__ = ["check_correlations", "copula_matrix", "path_loading", "max_rank_with_path"]


def path_loading(knot_rank: float) -> float:
    """The loading of a path's knots on their common factor."""
    return float(np.sqrt(2.0 * np.sin(np.pi * knot_rank / 6.0)))


def max_rank_with_path(loading: float) -> float:
    """The largest rank correlation a quantity can have with every knot of a path of this loading."""
    return float(6.0 / np.pi * np.arcsin(min(loading, 1.0) / 2.0))


def copula_matrix(corrs, names=None, loadings=None):
    """Normal-score correlation matrix and the quantity names it is over; ``loadings``
    (name -> loading) marks paths, whose rows are correlations with their common factor."""
    if names is None:
        names = sorted({c.a for c in corrs} | {c.b for c in corrs})
    loadings = loadings or {}
    idx = {n: i for i, n in enumerate(names)}
    m = np.eye(len(names))
    for c in corrs:
        i, j = idx[c.a], idx[c.b]
        v = 2.0 * np.sin(np.pi * c.rank / 6.0)
        for n in (c.a, c.b):
            if n in loadings:
                v = v / loadings[n] if loadings[n] > 0 else np.inf
        m[i, j] = m[j, i] = v
    return m, list(names)


def _pd(m) -> bool:
    return bool(np.linalg.eigvalsh(m).min() > 1e-10)


def check_correlations(corrs, loadings=None) -> str | None:
    """Return a message when the correlations are not positive definite, else None."""
    m, names = copula_matrix(corrs, loadings=loadings)
    if np.all(np.isfinite(m)) and _pd(m):
        return None
    if not np.all(np.isfinite(m)):
        return "a correlation with a path whose knots are independent (knot_rank = 0) is not possible"
    fixes = []
    for c in corrs:
        trial = [d for d in corrs if d is not c]
        mm, _ = copula_matrix(trial, names, loadings)
        if _pd(mm):
            fixes.append(f"{c.a}~{c.b} (rank {c.rank:g})")
    low = np.linalg.eigvalsh(m).min()
    what = ("weaken or remove one of: " + ", ".join(fixes)) if fixes else \
        "these pairs contradict each other: " + ", ".join(f"{c.a}~{c.b} (rank {c.rank:g})" for c in corrs)
    return (f"the rank correlations are not jointly possible (the correlation matrix is not "
            f"positive definite, smallest eigenvalue {low:.3g}); {what}")
