"""Every output of the China AI compute model, declared once.

The rows each output occupies in a chunk come from these declarations through
:class:`dieroll.contract.OutputContract` (``MODEL.contract``); nothing numbers
them by hand.

Outputs ending in ``_ytd`` are calendar-year flows accumulated per draw from
January (from the run's first month in its first year): their value in
December is that draw's flow for the year, so their quantiles in December are
the yearly flow's quantiles (which monthly quantiles cannot give).  They are
declared ``year_end=True``: runs summarise them at the year ends only
(December, and the run's last month); the months between are running totals,
kept in chunks and kept draws, whose summary is ``nan``.
"""
from __future__ import annotations

from ..catalog import OutputSpec

__all__ = ["OUTPUTS", "IDENTICAL", "CHANNELS", "METRICS", "ROUTES", "CONSTRAINTS", "COUNTRIES"]

CHANNELS = ("tsmc_ascend", "smic_ascend", "huawei_fab_ascend", "other_domestic", "nvidia_legal",
            "nvidia_smuggled")
METRICS = ("inference", "training")
ROUTES = ("tsmc", "smic", "huawei_fab")
CONSTRAINTS = ("dies", "hbm", "packaging")
COUNTRIES = ("china", "us")

_CH = ("channel", CHANNELS)
_M = ("metric", METRICS)
_R = ("route", ROUTES)

OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec("china_stock", "H100e", "AI compute in China by channel, H100-equivalents", (_CH, _M)),
    OutputSpec("china_total", "H100e", "AI compute in China, H100-equivalents", (_M,)),
    OutputSpec("abroad_total", "H100e", "Compute Chinese firms use from abroad (rented, offshore), "
               "H100-equivalents"),
    OutputSpec("china_firms_total", "H100e", "Compute used by Chinese firms: in China plus from abroad, "
               "H100-equivalents", (_M,)),
    OutputSpec("us_total", "H100e", "US AI compute in hand, H100-equivalents"),
    OutputSpec("us_china_ratio", "1", "US compute divided by compute in China", (_M,)),
    OutputSpec("ascend_packages", "package/month", "Good Ascend packages (910C and 950-class) made per "
               "month", (_R,)),
    OutputSpec("dies_waiting", "die", "Ascend dies waiting for HBM or packaging", (_R,)),
    OutputSpec("dies_lost", "die", "Ascend dies lost while waiting (cumulative)", (_R,)),
    OutputSpec("hbm_stacks", "stack", "HBM stacks left in Huawei's stock"),
    OutputSpec("china_chips", "chip", "Accelerators in hand in China by channel", (_CH,)),
    OutputSpec("ascend_binding", "1", "1 where this constraint limits Ascend output that month, else 0 "
               "(the mean is the share of draws it binds)", (("constraint", CONSTRAINTS),)),
    OutputSpec("ascend_made_ytd", "package", "Good Ascend packages made in the calendar year so far",
               (_R,), year_end=True),
    OutputSpec("chips_added_ytd", "chip", "Accelerators acquired by China in the calendar year so far, "
               "by channel", (_CH,), year_end=True),
    OutputSpec("h100e_added_ytd", "H100e", "H100-equivalents added in the calendar year so far (China: new "
               "chips; US: growth of the stock)", (("country", COUNTRIES), _M), year_end=True),
    OutputSpec("additions_ratio_ytd", "1", "US additions divided by China's additions, calendar year so far",
               (_M,), year_end=True),
)

#: Series equal by construction to another (``Model.identical``): the reducers count
#: one for both and every chunk checks them bit for bit.
IDENTICAL: tuple[tuple[str, str], ...] = (
    # smuggled chips have one H100e figure for both metrics (smuggled.h100e)
    ("china_stock[channel=nvidia_smuggled, metric=training]", "china_stock[channel=nvidia_smuggled, metric=inference]"),
    # an Ascend route's packages are the chips its channel adds (the kernel's ROUTE_CHANNEL),
    # summed over the year from the same monthly values and restarted together
    *((f"chips_added_ytd[channel={c}]", f"ascend_made_ytd[route={r}]")
      for r, c in zip(ROUTES, ("tsmc_ascend", "smic_ascend", "huawei_fab_ascend"))),
    # the US stock is not split by metric (us.py)
    ("h100e_added_ytd[country=us, metric=training]", "h100e_added_ytd[country=us, metric=inference]"),
)
