"""Units as CF wants them, and as the model speaks them.

The model counts things: H100-equivalents, chips, dies, HBM stacks, packages
per month.  None of these is a UDUNITS unit, so a file that says
``units = "H100e"`` fails the CF checker.  CF's answer for a count is the
dimensionless ``"1"``; what is counted goes in another attribute.  Here that
attribute is ``counted``, holding the model's own unit string, which is what
charts, tables and exports show::

    "H100e"          -> units "1",        counted "H100e"
    "package/month"  -> units "month-1",  counted "package/month"
    "1/year"         -> units "year-1",   counted "1/year"
    "die/wafer"      -> units "1",        counted "die/wafer"
    "month"          -> units "month"     (no counted: already a unit)

Only the time words keep their dimension (UDUNITS knows ``day``, ``month``
and ``year``); every other word is a count and cancels to ``1``.
"""
from __future__ import annotations

__all__ = ["cf_attrs", "cf_units", "model_units"]

_TIME = ("day", "month", "year")


def cf_units(units: str) -> str:
    """The CF (UDUNITS) form of a model unit string: counts become ``1``,
    ``/month`` becomes ``month-1``."""
    parts = [p.strip() for p in str(units).split("/")]
    num, dens = parts[0], parts[1:]
    terms = [num] if num in _TIME else []
    terms += [f"{d}-1" for d in dens if d in _TIME]
    return " ".join(terms) or "1"


def cf_attrs(units: str) -> dict:
    """``{"units": <CF form>}``, plus ``{"counted": units}`` where the model's unit is not
    itself a CF unit (so that no reader loses what was counted)."""
    cf = cf_units(units)
    return {"units": cf} if cf == units else {"units": cf, "counted": units}


def model_units(attrs) -> str:
    """The model's unit string of a variable read back from a run (``counted`` when
    present, else ``units``); accepts an attrs mapping or anything with ``.attrs``."""
    attrs = getattr(attrs, "attrs", attrs)
    return str(attrs.get("counted", attrs.get("units", "")))
