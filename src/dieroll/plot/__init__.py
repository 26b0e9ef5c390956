"""Charts: fan charts, scenario comparison, exceedance, histograms, channels.

Axes-level functions take data and ``ax=None`` and return the Axes; the
``*_figure`` functions add title, legend and the provenance footnote.
"""
from .analysis import disputes_chart, sweep_chart, tornado
from .binding import binding
from .channels import channels
from .compare import compare
from .exceedance import exceedance
from .fan import fan
from .figures import (binding_figure, channels_figure, compare_figure, exceedance_figure, fan_figure, hist_figure,
                      yearly_figure)
from .flows import yearly, yearly_table
from .hist import hist
from .style import save, style

__all__ = ["fan", "compare", "exceedance", "hist", "channels", "binding", "yearly", "yearly_table",
           "fan_figure", "compare_figure", "exceedance_figure", "hist_figure", "channels_figure", "binding_figure",
           "yearly_figure",
           "disputes_chart", "sweep_chart", "tornado", "save", "style"]
