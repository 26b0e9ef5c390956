"""Every quantity the China AI compute model reads, declared once.

Name, units, meaning, channel and allowed range.  ``dieroll describe`` prints
this table; priors files are validated against it.
"""
from __future__ import annotations

import math

from ..catalog import InputSpec

__all__ = ["INPUTS", "SCALARS", "PATHS"]

INF = math.inf
_I = InputSpec

INPUTS: tuple[InputSpec, ...] = (
    # --- TSMC-made Ascend: a one-off stock of dies
    _I("tsmc_dies", "die", "Ascend 910B logic dies TSMC made for Huawei (via shell companies) "
       "before the Jan 2025 Foundry Rule", "tsmc_ascend", 0, INF),
    _I("tsmc_packaging_start", "year", "When packaging of the TSMC dies into 910C began, as a decimal "
       "year (2025.0 = Jan 2025)", "tsmc_ascend", 2020, 2035),
    _I("tsmc_packaging_months", "month", "Months over which the TSMC die stock is packaged",
       "tsmc_ascend", 1, 240),
    # --- shared by both Ascend routes
    _I("dies_per_910c", "die/package", "Ascend 910B dies per Ascend 910C package", "ascend", 1, 4),
    _I("packaging_yield", "1", "Fraction of 910C packages that survive advanced packaging",
       "ascend", 0, 1),
    _I("hbm_stacks_per_die", "stack/die", "HBM stacks attached per 910B die", "hbm", 0, 16),
    # --- SMIC-made Ascend: a flow
    _I("smic_wpm", "wafer/month", "SMIC 7 nm (N+2) wafer starts per month", "smic_ascend", 0, INF,
       path=True),
    _I("smic_ascend_share", "1", "Share of SMIC 7 nm wafers that go to Ascend dies", "smic_ascend",
       0, 1, path=True),
    _I("smic_dies_per_wafer", "die/wafer", "Gross 910B dies per 300 mm wafer", "smic_ascend", 0, INF),
    _I("smic_yield", "1", "Fully functional 910B dies per gross die at SMIC, early 2025",
       "smic_ascend", 0, 1),
    _I("smic_yield_mature", "1", "The yield SMIC's 910B line improves towards", "smic_ascend", 0, 1),
    _I("smic_yield_progress", "1", "Fraction of the gap from early-2025 yield to mature yield closed",
       "smic_ascend", 0, 1, path=True),
    # --- HBM
    _I("hbm_stockpile", "stack", "HBM stacks Huawei stockpiled before the Dec 2024 HBM controls",
       "hbm", 0, INF),
    _I("hbm_domestic", "stack/month", "HBM stacks from domestic (or other new) supply per month",
       "hbm", 0, INF, path=True),
    # --- Nvidia, legal
    _I("nvidia_prewindow_chips", "chip", "A100-class Nvidia chips in China before the Oct 2022 "
       "controls (stock at the run start)", "nvidia_legal", 0, INF),
    _I("a800_chips", "chip", "A800 chips shipped to China, Oct 2022 - Oct 2023", "nvidia_legal", 0, INF),
    _I("h800_chips", "chip", "H800 chips shipped to China, Oct 2022 - Oct 2023", "nvidia_legal", 0, INF),
    _I("h20_chips", "chip", "H20 chips shipped to China, Jan 2024 - Mar 2025 (before the April 2025 "
       "licence requirement)", "nvidia_legal", 0, INF),
    _I("nvidia_licensed", "chip/month", "H20-class chips shipped under licence from April 2025",
       "nvidia_legal", 0, INF, path=True),
    # --- Nvidia, smuggled
    _I("smuggled_per_year", "chip/year", "H100-class Nvidia chips smuggled into China per year",
       "nvidia_smuggled", 0, INF, path=True),
    # --- conversion to H100-equivalents
    _I("h100e_910c_inference", "H100e/chip", "Ascend 910C inference performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_910c_training", "H100e/chip", "Ascend 910C training performance relative to H100",
       "conversion", 0, 4),
    _I("ascend_utilisation", "1", "Ascend effectiveness factor for software (CANN) and cluster "
       "integration, applied to both metrics", "conversion", 0, 1),
    _I("h100e_a100_inference", "H100e/chip", "A100/A800 inference performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_a100_training", "H100e/chip", "A100/A800 training performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_h800_inference", "H100e/chip", "H800 inference performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_h800_training", "H100e/chip", "H800 training performance relative to H100 "
       "(interconnect cut)", "conversion", 0, 4),
    _I("h100e_h20_inference", "H100e/chip", "H20 inference performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_h20_training", "H100e/chip", "H20 training performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_smuggled", "H100e/chip", "Smuggled chips' performance relative to H100 (H100-class, "
       "some Blackwell), both metrics", "conversion", 0, 10),
    # --- attrition
    _I("attrition_per_year", "1/year", "Fraction of installed accelerators failing or retired per year",
       "attrition", 0, 1),
    # --- United States
    _I("us_h100e", "H100e", "US AI compute stock in hand", "us", 0, INF, path=True),
)

SCALARS: tuple[str, ...] = tuple(i.name for i in INPUTS if not i.path)
PATHS: tuple[str, ...] = tuple(i.name for i in INPUTS if i.path)
