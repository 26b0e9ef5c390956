"""The China model: the seeds' own arithmetic, and the kernels against the
plainly written reference on 10,000 baseline draws."""
import numpy as np
import pytest

from dieroll.engine.layout import build_layout
from dieroll.engine.simulate import evaluate
from dieroll.model import MODEL, CHANNELS
from dieroll.model.reference import reference_outputs

ALL_ZERO = {n: 0.0 for n in MODEL.inputs}


def fixed(baseline, values, **run):
    """The baseline with every input fixed (``values`` over zeros)."""
    v = {**ALL_ZERO, "dies_per_910c": 2.0, "packaging_yield": 1.0, "hbm_stacks_per_die": 4.0,
         "tsmc_packaging_start": 2025.0, "tsmc_packaging_months": 12.0, **values}
    q = {n: {"source": "test", "dist": {"family": "fixed", "value": float(x)}} for n, x in v.items()}
    frag = {"quantities": q}
    if run:
        frag["run"] = run
    return baseline.extend(frag)


def series(chunk, name, **sel):
    """One output's (T,) series for draw 0."""
    return chunk.output(name, **sel)[:, 0]


def test_csis_smic_worked_example(baseline):
    """50,000 WPM x 80 = 4,000,000 dies; x 20 % = 800,000 good; / 2 = 400,000 910C per month."""
    ps = fixed(baseline, {"smic_wpm": 50_000, "smic_ascend_share": 1, "smic_dies_per_wafer": 80,
                          "smic_yield": 0.2, "smic_yield_mature": 0.2, "hbm_stockpile": 1e12})
    ch = evaluate(ps)
    pk = series(ch, "ascend_packages", route="smic")
    assert np.all(pk == 400_000.0)
    assert 50_000 * 80 == 4_000_000 and 4_000_000 * 0.2 == 800_000 and 800_000 / 2 == 400_000


@pytest.mark.parametrize("dies,expected", [(2_000_000, 450_000.0), (3_000_000, 675_000.0)])
def test_tsmc_dies_to_h100e(baseline, dies, expected):
    """2 M dies / 2 x 75 % x 0.6 = 450,000 H100e (3 M: 675,000)."""
    ps = fixed(baseline, {"tsmc_dies": dies, "packaging_yield": 0.75, "h100e_910c_inference": 0.6,
                          "ascend_utilisation": 1.0, "hbm_stockpile": 1e12})
    ch = evaluate(ps)
    stock = series(ch, "china_stock", channel="tsmc_ascend", metric="inference")
    assert stock[-1] == pytest.approx(expected, rel=1e-12)
    total = series(ch, "china_total", metric="inference")
    assert total[-1] == pytest.approx(expected, rel=1e-12)


def test_hbm_caps_ascend_output_and_the_cap_shows(baseline):
    """1 M 910C need 8 M stacks; with 4 M only half can be packaged, the rest waits."""
    ps = fixed(baseline, {"tsmc_dies": 2_000_000, "hbm_stockpile": 4_000_000, "h100e_910c_inference": 1,
                          "ascend_utilisation": 1, "tsmc_packaging_start": 2025.0, "tsmc_packaging_months": 1})
    ch = evaluate(ps)
    made = series(ch, "ascend_packages", route="tsmc")
    waiting = series(ch, "ascend_waiting", route="tsmc")
    stacks = series(ch, "hbm_stacks")
    assert made.sum() == pytest.approx(500_000, rel=1e-12)
    assert waiting[-1] == pytest.approx(500_000, rel=1e-12)
    assert stacks[-1] == 0.0


def test_attrition_and_channels(baseline):
    ps = fixed(baseline, {"h20_chips": 1_500_000, "h100e_h20_inference": 0.5, "attrition_per_year": 0.1})
    ch = evaluate(ps)
    chips = series(ch, "china_chips", channel="nvidia_legal")
    t = np.arange(len(chips))
    abs0 = 2022 * 12 + 9
    # after the H20 window (Jan 2024 - Mar 2025) the stock decays by 10 % a year
    i = np.where(abs0 + t == 2025 * 12 + 2)[0][0]
    assert chips[i + 12] == pytest.approx(chips[i] * 0.9, rel=1e-12)
    for c in CHANNELS:
        if c != "nvidia_legal":
            assert np.all(series(ch, "china_chips", channel=c) == 0)


def test_kernel_matches_reference_on_baseline_draws(baseline):
    ch = evaluate(baseline, draws=10_000)
    layout = build_layout(baseline, MODEL.scalar_names, MODEL.path_names)
    ref = reference_outputs(layout, ch.scalars, ch.knots, 2022 * 12 + 9)
    assert ref.shape == ch.out.shape
    scale = np.maximum(np.abs(ref), 1e-300)
    rel = np.abs(ch.out - ref) / scale
    rel[(ref == 0) & (ch.out == 0)] = 0
    worst = np.unravel_index(np.argmax(rel), rel.shape)
    assert rel.max() <= 1e-12, (worst, ch.out[worst], ref[worst])


def test_every_input_is_declared_once_and_read():
    import inspect

    from dieroll.model import _kernel
    src = inspect.getsource(_kernel)
    names = list(MODEL.inputs)
    assert len(names) == len(set(names))
    for n in names:
        assert f'"{n}"' in src, f"{n} declared but never read by the kernel"
    for i in MODEL.inputs.values():
        assert i.units and i.description and i.channel
