"""Charts: fan charts, scenario comparison, exceedance, histograms, channels."""
from .fan import fan
from .figures import fan_figure
from .style import style

__all__ = ["fan", "fan_figure", "style"]
