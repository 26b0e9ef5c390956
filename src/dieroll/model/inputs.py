"""Every quantity the China AI compute model reads, declared once.

Name, units, meaning, channel and allowed range.  ``dieroll describe`` prints
this table; priors files are validated against it.  The equations that read
each quantity are in the channel modules and in ``docs/model.md``.
"""
from __future__ import annotations

import math

from ..catalog import InputSpec

__all__ = ["INPUTS", "SCALARS", "PATHS"]

INF = math.inf
_I = InputSpec

INPUTS: tuple[InputSpec, ...] = (
    # --- TSMC-made Ascend: a bank of dies, and any continuing proxy fabrication
    _I("tsmc_dies", "die", "Ascend 910B logic dies TSMC made for Huawei (via shell companies) "
       "before the Jan 2025 Foundry Rule: the die bank", "tsmc_ascend", 0, INF),
    _I("tsmc_bank_available", "year", "When the TSMC die bank is in Huawei's hands for packaging, as a "
       "decimal year (2025.0 = Jan 2025)", "tsmc_ascend", 2020, 2035),
    _I("tsmc_proxy_dies", "die/month", "Ascend dies still made at TSMC through proxies after the Jan 2025 "
       "Foundry Rule (leakage), per month", "tsmc_ascend", 0, INF, path=True),
    # --- Ascend packages: dies, generations, packaging
    _I("dies_per_910c", "die/package", "Ascend 910B dies per Ascend 910C package", "ascend", 1, 4),
    _I("dies_per_950", "die/package", "Logic dies per Ascend 950-class package", "ascend", 1, 4),
    _I("ascend_950_share", "1", "Share of domestically made Ascend dies packaged as 950-class chips "
       "(the rest as 910C)", "ascend", 0, 1, path=True),
    _I("packaging_yield", "1", "Fraction of Ascend packages that survive advanced packaging",
       "ascend", 0, 1),
    _I("packaging_capacity", "package/month", "Advanced-packaging (CoWoS-class) capacity available to "
       "Ascend, packages attempted per month", "ascend", 0, INF, path=True),
    _I("die_obsolescence_per_year", "1/year", "Fraction of dies waiting for HBM or packaging lost per year "
       "(scrapped, obsolete, diverted)", "ascend", 0, 1),
    # --- SMIC and Huawei fabs: flows of wafers
    _I("smic_wpm", "wafer/month", "SMIC 7 nm-class (N+2) wafer starts per month", "smic_ascend", 0, INF,
       path=True),
    _I("smic_ascend_share", "1", "Share of SMIC 7 nm wafers that go to Huawei Ascend dies", "smic_ascend",
       0, 1, path=True),
    _I("smic_other_share", "1", "Share of SMIC 7 nm wafers that go to other Chinese AI-chip designers "
       "(Cambricon, Hygon, Kunlunxin, ...)", "other_domestic", 0, 1, path=True),
    _I("huawei_fab_wpm", "wafer/month", "7 nm-class wafer starts per month at Huawei-dedicated fabs, all "
       "for Ascend", "huawei_fab_ascend", 0, INF, path=True),
    _I("smic_dies_per_wafer", "die/wafer", "Gross Ascend dies per 300 mm wafer", "smic_ascend", 0, INF),
    _I("smic_yield", "1", "Fully functional Ascend dies per gross die at SMIC, early 2025",
       "smic_ascend", 0, 1),
    _I("smic_yield_mature", "1", "The yield the 7 nm AI-die lines improve towards", "smic_ascend", 0, 1),
    _I("smic_yield_progress", "1", "Fraction of the gap from early-2025 yield to mature yield closed",
       "smic_ascend", 0, 1, path=True),
    _I("other_dies_per_wafer", "die/wafer", "Gross dies per wafer of other Chinese designers' AI chips",
       "other_domestic", 0, INF),
    # --- HBM
    _I("hbm_stacks_per_die", "stack/die", "HBM stacks attached per 910B die (a 910C has two dies)", "hbm",
       0, 16),
    _I("hbm_stacks_per_950", "stack/package", "HBM stacks per Ascend 950-class package", "hbm", 0, 32),
    _I("hbm_stockpile", "stack", "HBM stacks Huawei stockpiled before the Dec 2024 HBM controls",
       "hbm", 0, INF),
    _I("hbm_grey", "stack/month", "HBM stacks reaching Huawei per month after the controls through grey "
       "channels (re-export, repackaged parts)", "hbm", 0, INF, path=True),
    _I("hbm_domestic", "stack/month", "HBM stacks per month from Chinese makers (CXMT, Huawei's own)",
       "hbm", 0, INF, path=True),
    # --- Nvidia, legal
    _I("nvidia_prewindow_chips", "chip", "A100-class Nvidia chips in China before the Oct 2022 "
       "controls (stock at the run start)", "nvidia_legal", 0, INF),
    _I("a800_chips", "chip", "A800 chips shipped to China, Oct 2022 - Oct 2023", "nvidia_legal", 0, INF),
    _I("h800_chips", "chip", "H800 chips shipped to China, Oct 2022 - Oct 2023", "nvidia_legal", 0, INF),
    _I("h20_chips", "chip", "H20 chips shipped to China, Jan 2024 - Mar 2025 (before the April 2025 "
       "licence requirement)", "nvidia_legal", 0, INF),
    _I("h20_resumed_chips", "chip", "H20 chips shipped after the July 2025 resumption, before the Aug 2025 "
       "halt (spread over Jul - Sep 2025)", "nvidia_legal", 0, INF),
    _I("h200_us_cap", "chip", "H200 chips the US licence rule (Jan 2026) lets Nvidia sell to China",
       "nvidia_legal", 0, INF),
    _I("h200_china_approved", "chip", "H200 chips China's authorities let Chinese firms take delivery of",
       "nvidia_legal", 0, INF),
    _I("h200_supply", "chip", "H200 chips Nvidia can supply to China (inventory and production)",
       "nvidia_legal", 0, INF),
    _I("h200_delivery_months", "month", "Months over which H200 deliveries to China are spread, from "
       "Feb 2026", "nvidia_legal", 1, 120),
    _I("nvidia_licensed", "chip/month", "Other Nvidia chips (H20-class) shipped under licence from "
       "April 2025, per month: an analyst's switch", "nvidia_legal", 0, INF, path=True),
    # --- Nvidia, smuggled
    _I("smuggled_2024", "chip/year", "Nvidia data-centre chips smuggled into China in 2024",
       "nvidia_smuggled", 0, INF),
    _I("smuggling_trend", "1", "Smuggled chips per year relative to 2024 (1 = the 2024 volume)",
       "nvidia_smuggled", 0, INF, path=True),
    _I("smuggled_blackwell_share", "1", "Share of smuggled chips that are Blackwell-class (the rest "
       "Hopper-class)", "nvidia_smuggled", 0, 1, path=True),
    # --- compute used from abroad
    _I("abroad_h100e", "H100e", "Compute Chinese firms use outside China (rented cloud, offshore data "
       "centres), H100-equivalents", "abroad", 0, INF, path=True),
    # --- conversion to H100-equivalents
    _I("h100e_910c_inference", "H100e/chip", "Ascend 910C inference performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_910c_training", "H100e/chip", "Ascend 910C training performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_950_inference", "H100e/chip", "Ascend 950-class inference performance relative to H100",
       "conversion", 0, 8),
    _I("h100e_950_training", "H100e/chip", "Ascend 950-class training performance relative to H100",
       "conversion", 0, 8),
    _I("h100e_other_inference", "H100e/chip", "Other Chinese AI chips' inference performance relative to "
       "H100", "conversion", 0, 4),
    _I("h100e_other_training", "H100e/chip", "Other Chinese AI chips' training performance relative to "
       "H100", "conversion", 0, 4),
    _I("domestic_utilisation", "1", "Effectiveness of Chinese-made accelerators relative to Nvidia's for "
       "software (CANN) and cluster scaling, both metrics", "conversion", 0, 1),
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
    _I("h100e_h200_inference", "H100e/chip", "H200 inference performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_h200_training", "H100e/chip", "H200 training performance relative to H100",
       "conversion", 0, 4),
    _I("h100e_hopper", "H100e/chip", "Smuggled Hopper-class chips' performance relative to H100, both "
       "metrics", "conversion", 0, 4),
    _I("h100e_blackwell", "H100e/chip", "Smuggled Blackwell-class chips' performance relative to H100, "
       "both metrics", "conversion", 0, 10),
    # --- attrition
    _I("attrition_per_year", "1/year", "Fraction of installed accelerators failing or retired per year",
       "attrition", 0, 1),
    # --- United States
    _I("us_h100e", "H100e", "US AI compute stock in hand", "us", 0, INF, path=True),
)

SCALARS: tuple[str, ...] = tuple(i.name for i in INPUTS if not i.path)
PATHS: tuple[str, ...] = tuple(i.name for i in INPUTS if i.path)
