"""Rank correlations between scalar quantities, as a Gaussian copula.

A Spearman rank correlation ``r`` becomes the normal-score correlation
``2 sin(pi r / 6)`` (exact for the Gaussian copula).  The matrix must be
positive definite; otherwise the pairs whose change would repair it are named.
"""
from __future__ import annotations

import numpy as np

__all__ = ["check_correlations", "copula_matrix"]


def copula_matrix(corrs, names=None):
    """Normal-score correlation matrix and the quantity names it is over."""
    if names is None:
        names = sorted({c.a for c in corrs} | {c.b for c in corrs})
    idx = {n: i for i, n in enumerate(names)}
    m = np.eye(len(names))
    for c in corrs:
        i, j = idx[c.a], idx[c.b]
        m[i, j] = m[j, i] = 2.0 * np.sin(np.pi * c.rank / 6.0)
    return m, list(names)


def _pd(m) -> bool:
    return bool(np.linalg.eigvalsh(m).min() > 1e-10)


def check_correlations(corrs) -> str | None:
    """Return a message when the correlations are not positive definite, else None."""
    m, names = copula_matrix(corrs)
    if _pd(m):
        return None
    fixes = []
    for c in corrs:
        trial = [d for d in corrs if d is not c]
        mm, _ = copula_matrix(trial, names)
        if _pd(mm):
            fixes.append(f"{c.a}~{c.b} (rank {c.rank:g})")
    low = np.linalg.eigvalsh(m).min()
    what = ("weaken or remove one of: " + ", ".join(fixes)) if fixes else \
        "these pairs contradict each other: " + ", ".join(f"{c.a}~{c.b} (rank {c.rank:g})" for c in corrs)
    return (f"the rank correlations are not jointly possible (the correlation matrix is not "
            f"positive definite, smallest eigenvalue {low:.3g}); {what}")
