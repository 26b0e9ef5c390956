"""Units of a model file, checked with pint.

Every model declares its own count units (``die``, ``wafer``, ``H100e``, ...);
each becomes a base dimension of its own in a fresh pint registry, beside time
(``month``, with ``year = 12 month``).  Two quantities may be added, compared or
passed to ``min``/``max`` only when their units are the same unit, not just the
same dimension: ``die/month + die/year`` is an error, not a silent conversion
(convert with ``per_month()``).  A bare number takes the units its context
needs (``max(china_total, 1)``); everywhere else it is dimensionless.
"""
from __future__ import annotations

import re

import pint

_NAME = r"[A-Za-z][A-Za-z0-9_]*(\^-?[0-9])?"
_UNIT = re.compile(rf"(1|{_NAME})([*/]{_NAME})*\Z")

__all__ = ["UnitSystem", "TIME_UNITS"]

#: Units every model knows.
TIME_UNITS = ("month", "year")


class UnitSystem:
    """The units of one model: pint units for its unit strings, and their comparisons."""

    def __init__(self, counts):
        self.reg = pint.UnitRegistry(None)
        self.reg.define("month = [time]")
        self.reg.define("year = 12 * month")
        for name in counts:
            self.reg.define(f"{name} = [{name}]")
        self.one = self.reg.parse_units("")
        self.month = self.reg.parse_units("month")
        self.year = self.reg.parse_units("year")

    def parse(self, text: str):
        """The pint unit of ``text`` (``"1"`` is dimensionless); raises ValueError with a reason."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError("units are a string such as \"die/month\" or \"1\"")
        t = text.strip().replace(" ", "")
        if t == "1":
            return self.one
        if len(t) > 64 or not _UNIT.match(t):
            raise ValueError(f"{text!r} is not written as units are: names joined by * and /, each with an optional "
                             "whole power, such as \"die/month\", \"H100e/chip\", \"1/year\" or \"stack^2\"")
        try:
            return self.reg.parse_units(t.replace("^", "**"))
        except Exception as exc:  # noqa: BLE001 - pint raises many kinds; each is a bad unit here
            raise ValueError(f"{text!r} is not a unit of this model ({exc}); its units are "
                             f"{', '.join(self.names())} and month, year, 1") from None

    def names(self):
        return [str(u) for u in self.reg._units if str(u) not in ("month", "year")]

    def same(self, a, b) -> bool:
        """True when ``a`` and ``b`` are the same unit (``die/month`` is not ``die/year``)."""
        if a.dimensionality != b.dimensionality:
            return False
        return abs(self.reg.Quantity(1.0, a).to(b).magnitude - 1.0) < 1e-12

    def dimensionless(self, a) -> bool:
        return self.same(a, self.one)

    def per_year(self, a) -> bool:
        """True for a rate per year of something dimensionless (``1/year``)."""
        return self.same(a, self.one / self.year)

    @staticmethod
    def show(u) -> str:
        """A unit as the model file would write it."""
        s = str(u)
        return "1" if s in ("dimensionless", "") else s.replace(" ", "").replace("**", "^")
