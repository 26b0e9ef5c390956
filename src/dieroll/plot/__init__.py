"""Charts: fan charts, scenario comparison and differences, exceedance, histograms, channels,
binding constraints, yearly flows, and the dispute analyses.

Axes-level functions take data and ``ax=None`` and return the Axes; the
``*_figure`` functions add title, legend, sources and the provenance footnote,
and take the layout arguments ``title``, ``subtitle``, ``size``, ``dpi`` and
``footnote``.  Every chart records the numbers it draws: :func:`chart_table`.
"""
from .analysis import disputes_chart, sweep_chart, tornado
from .binding import binding
from .channels import channels
from .compare import compare
from .exceedance import exceedance
from .fan import fan
from .figures import (LAYOUT_ARGS, binding_figure, channels_figure, compare_figure, difference_figure,
                      disputes_figure, exceedance_figure, fan_figure, hist_figure, sweep_figure, tornado_figure,
                      yearly_figure)
from .flows import yearly, yearly_table
from .hist import hist
from .render import chart_command
from .style import chart_table, save, save_table, style

__all__ = ["fan", "compare", "exceedance", "hist", "channels", "binding", "yearly", "yearly_table",
           "fan_figure", "compare_figure", "difference_figure", "exceedance_figure", "hist_figure",
           "channels_figure", "binding_figure", "yearly_figure", "disputes_figure", "tornado_figure", "sweep_figure",
           "disputes_chart", "sweep_chart", "tornado", "save", "save_table", "chart_table", "style", "LAYOUT_ARGS",
           "chart_command"]
