"""The functions an equation may call, with their arity and what they mean.

Each entry is ``name: (min args, max args, meaning)``; the unit and dimension
rules live in :mod:`.check`, the arithmetic in :mod:`.codegen` and
:mod:`.reference` (written separately, so that they check each other).
``docs/model-language.md`` lists them from this table.
"""
from __future__ import annotations

__all__ = ["FUNCTIONS", "BUILTINS", "REDUCERS", "DATE_FUNCTIONS"]

FUNCTIONS: dict[str, tuple[int, int | None, str]] = {
    "min": (2, None, "the smallest of its arguments (same units)"),
    "max": (2, None, "the largest of its arguments (same units)"),
    "clip": (3, 3, "clip(x, lo, hi): x held between lo and hi (same units)"),
    "where": (3, 3, "where(condition, a, b): a where the condition holds (is not 0), else b"),
    "abs": (1, 1, "the absolute value"),
    "floor": (1, 1, "the largest whole number not above x"),
    "exp": (1, 1, "e to the power x (x dimensionless)"),
    "log": (1, 1, "the natural logarithm (x dimensionless)"),
    "sqrt": (1, 1, "the square root (x dimensionless)"),
    "sum_over": (2, 2, "sum_over(x, dimension): x summed over a label set, in label order"),
    "min_over": (2, 2, "min_over(x, dimension): the smallest of x over a label set"),
    "max_over": (2, 2, "max_over(x, dimension): the largest of x over a label set"),
    "fill": (2, 2, "fill(supply, demand): the share of demand a scarce supply meets, min(1, supply / demand) "
                   "(1 when demand <= 0)"),
    "allocate": (3, 3, "allocate(supply, demand, dimension): a scarce supply shared in proportion to "
                       "demand, demand * fill(supply, sum_over(demand, dimension))"),
    "between": (2, 2, "between(first, last): 1 in the months first..last (YYYY-MM, both included), else 0"),
    "after": (1, 1, "after(first): 1 from month first on, else 0"),
    "before": (1, 1, "before(month): 1 before that month, else 0"),
    "months_since": (1, 1, "months_since(date): this month minus date, in months"),
    "spread": (2, 2, "spread(first, months): the share of a total spread evenly over `months` (may be "
                     "fractional) from month first that falls in this month, per month"),
    "spread_between": (2, 2, "spread_between(first, last): 1 / (months from first to last) in those months, "
                             "else 0, per month"),
    "month_of": (1, 1, "month_of(decimal_year): the month a decimal year falls in (2025.0 is 2025-01)"),
    "per_month": (1, 1, "per_month(x): a yearly amount as a monthly one (x / 12; units per year -> per month)"),
    "per_year": (1, 1, "per_year(x): a monthly amount as a yearly one (x * 12)"),
    "monthly_rate": (1, 1, "monthly_rate(r): the monthly fraction lost at a yearly fraction r (1/year): "
                           "1 - (1 - r)^(1/12), per month"),
    "monthly_survival": (1, 1, "monthly_survival(r): the fraction surviving a month at a yearly loss r "
                               "(1/year): (1 - r)^(1/12)"),
    "prev": (1, 2, "prev(x, first): x's value last month (a flow, auxiliary, output or path input); `first` "
                   "in the run's first month (default 0)"),
    "ytd": (1, 1, "ytd(flow): the flow summed over the calendar year so far (restarts every January and at "
                  "the run's first month); units times month"),
}

#: Names every equation may read.
BUILTINS: dict[str, str] = {
    "month": "this month, as an absolute month (compare with YYYY-MM dates)",
    "first_month": "the run's first month",
}

REDUCERS = ("sum_over", "min_over", "max_over")
DATE_FUNCTIONS = ("between", "after", "before", "months_since", "spread", "spread_between")
