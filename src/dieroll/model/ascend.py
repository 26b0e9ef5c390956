"""Ascend packaging: queues of dies by route, and the three limits on output.

Each route ``r`` (tsmc, smic, huawei_fab) keeps a queue of dies ``W_r``.  Each
month, in this order::

    W_r      = W_r * (1 - loss)  + arrivals_r         loss = 1 - (1 - die_obsolescence_per_year)^(1/12)
    P        = sum_r W_r * ppd_r                      packages the dies allow
    f_hbm    = min(1, hbm_stock / sum_r W_r * spd_r)  (1 before the HBM controls; :mod:`.hbm`)
    f_pack   = min(1, packaging_capacity / P)
    f        = min(f_hbm, f_pack)                     share of every queue packaged
    taken_r  = f * W_r;   W_r -= taken_r
    good_r   = taken_r * ppd_r * packaging_yield      -> ascend_packages[route]

``ppd_r`` (packages per die) and ``spd_r`` (HBM stacks per die) depend on the
generation mix: TSMC dies are all 910C (``1 / dies_per_910c`` packages and
``hbm_stacks_per_die`` stacks per die); domestic dies are 910C or, a share
``g(t) = ascend_950_share(t)``, 950-class::

    ppd = (1 - g) / dies_per_910c + g / dies_per_950
    spd = (1 - g) * hbm_stacks_per_die + g * hbm_stacks_per_950 / dies_per_950

The binding constraint is ``dies`` when every waiting die is packaged
(``f = 1``), else ``hbm`` when ``f_hbm <= f_pack``, else ``packaging``; it is
stored per draw and month (``ascend_binding``).

Sources: 2 dies per 910C (CSIS j.14, 15, 18; contested: 1), ~75 % packaging
yield (CSIS j.15); 8 stacks per 910C; Ascend 950PR in mass production from
Mar 2026 with 128 GB of Huawei's own HBM (Huawei Connect 2025-09); SJ
Semiconductor's CoWoS-like capacity ~1/10 of TSMC's, JCET capacity-limited
(Nikkei 2024-12); via secondary reporting.
"""
from __future__ import annotations

from .._jit import kernel

#: Per-draw state: the queue of dies and the dies lost, per route.
STATE = (("waiting", 3), ("lost", 3))

DIES, HBM, PACKAGING = 0, 1, 2  # binding constraint codes, in outputs.CONSTRAINTS order


@kernel
def monthly_loss(per_year):
    """Fraction of a queue lost in one month."""
    return 1.0 - (1.0 - per_year) ** (1.0 / 12.0)


@kernel
def per_die(g, dies_per_910c, dies_per_950, stacks_per_910b_die, stacks_per_950):
    """Packages and HBM stacks per die when a share ``g`` of dies become 950-class."""
    ppd = (1.0 - g) / dies_per_910c + g / dies_per_950
    spd = (1.0 - g) * stacks_per_910b_die + g * stacks_per_950 / dies_per_950
    return ppd, spd


@kernel
def limit(f_hbm, capacity, packages):
    """The share of every queue packaged this month, and the binding constraint's code."""
    f_pack = 1.0 if packages <= capacity else capacity / packages
    if f_hbm >= 1.0 and f_pack >= 1.0:
        return 1.0, DIES
    if f_hbm <= f_pack:
        return f_hbm, HBM
    return f_pack, PACKAGING
