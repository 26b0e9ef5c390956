"""Every output of the China AI compute model, declared once."""
from __future__ import annotations

from ..catalog import OutputSpec

__all__ = ["OUTPUTS", "CHANNELS", "METRICS", "ROUTES"]

CHANNELS = ("tsmc_ascend", "smic_ascend", "nvidia_legal", "nvidia_smuggled")
METRICS = ("inference", "training")
ROUTES = ("tsmc", "smic")

OUTPUTS: tuple[OutputSpec, ...] = (
    OutputSpec("china_stock", "H100e", "China AI compute in hand by channel, H100-equivalents",
               (("channel", CHANNELS), ("metric", METRICS))),
    OutputSpec("china_total", "H100e", "China AI compute in hand, H100-equivalents",
               (("metric", METRICS),)),
    OutputSpec("us_total", "H100e", "US AI compute in hand, H100-equivalents"),
    OutputSpec("us_china_ratio", "1", "US compute divided by China compute", (("metric", METRICS),)),
    OutputSpec("ascend_packages", "package/month", "Ascend 910C packages made per month",
               (("route", ROUTES),)),
    OutputSpec("ascend_waiting", "package", "Ascend dies waiting for HBM, in 910C packages",
               (("route", ROUTES),)),
    OutputSpec("hbm_stacks", "stack", "HBM stacks left in Huawei's stockpile"),
    OutputSpec("china_chips", "chip", "Accelerators in hand in China by channel",
               (("channel", CHANNELS),)),
)
