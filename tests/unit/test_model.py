"""The China model (the packaged model file): the seeds' own arithmetic, each channel's
equations with inputs fixed by hand, identities every draw must satisfy, and the
generated kernel against the numpy evaluator of the file's trees on baseline draws."""
import numpy as np
import pytest

from dieroll import MODEL
from dieroll._months import paths_on_grid
from dieroll.engine.layout import build_layout
from dieroll import evaluate
from dieroll.modelfile import build, check_file
from dieroll.modelfile.reference import evaluate_reference

CHANNELS, CONSTRAINTS, ROUTES = (tuple(MODEL.labels[d]) for d in ("channel", "constraint", "route"))

ALL_ZERO = {n: 0.0 for n in MODEL.inputs}
ABS0 = 2022 * 12 + 9  # the baseline run starts in Oct 2022


def fixed(baseline, values, **run):
    """The baseline with every input fixed (``values`` over zeros and neutral settings:
    no limits from HBM or packaging, no losses, 910C only)."""
    v = {**ALL_ZERO, "dies_per_910c": 2.0, "dies_per_950": 1.0, "packaging_yield": 1.0,
         "hbm_stacks_per_die": 4.0, "hbm_stacks_per_950": 8.0, "hbm_stockpile": 1e12,
         "packaging_capacity": 1e12, "tsmc_bank_available": 2025.0, "h200_delivery_months": 12.0,
         "domestic_utilisation": 1.0, **values}
    q = {n: {"source": "test", "dist": {"family": "fixed", "value": float(x)}} for n, x in v.items()}
    frag = {"quantities": q}
    if run:
        frag["run"] = run
    return baseline.extend(frag)


def series(chunk, name, **sel):
    """One output's (T,) series for draw 0."""
    return chunk.output(name, **sel)[:, 0]


def month(y, m):
    """Step index of month ``y-m`` in the baseline window."""
    return y * 12 + m - 1 - ABS0


def test_csis_smic_worked_example(baseline):
    """50,000 WPM x 80 = 4,000,000 dies; x 20 % = 800,000 good; / 2 = 400,000 910C per month."""
    ps = fixed(baseline, {"smic_wpm": 50_000, "smic_ascend_share": 1, "smic_dies_per_wafer": 80,
                          "smic_yield": 0.2, "smic_yield_mature": 0.2})
    ch = evaluate(ps)
    pk = series(ch, "ascend_packages", route="smic")
    assert np.all(pk == 400_000.0)
    assert np.all(series(ch, "dies_waiting", route="smic") == 0)
    # each factor of the product moves the output in proportion: doubling the yield (40 %, the FT
    # figure) doubles it, 100 dies per wafer instead of 80 scales it by 1.25
    for change, want in (({"smic_yield": 0.4, "smic_yield_mature": 0.4}, 800_000.0),
                         ({"smic_dies_per_wafer": 100}, 500_000.0), ({"smic_wpm": 25_000}, 200_000.0)):
        base = {"smic_wpm": 50_000, "smic_ascend_share": 1, "smic_dies_per_wafer": 80,
                "smic_yield": 0.2, "smic_yield_mature": 0.2}
        got = series(evaluate(fixed(baseline, {**base, **change})), "ascend_packages", route="smic")
        assert np.all(got == want), (change, got[:3])


@pytest.mark.parametrize("dies,expected", [(2_000_000, 450_000.0), (3_000_000, 675_000.0)])
def test_tsmc_dies_to_h100e(baseline, dies, expected):
    """2 M dies / 2 x 75 % x 0.6 = 450,000 H100e (3 M: 675,000)."""
    ps = fixed(baseline, {"tsmc_dies": dies, "packaging_yield": 0.75, "h100e_910c_inference": 0.6})
    ch = evaluate(ps)
    stock = series(ch, "china_stock", channel="tsmc_ascend", metric="inference")
    assert stock[-1] == pytest.approx(expected, rel=1e-12)
    assert series(ch, "china_total", metric="inference")[-1] == pytest.approx(expected, rel=1e-12)
    # the whole bank is packaged in the month it arrives (Jan 2025), nothing before
    made = series(ch, "ascend_packages", route="tsmc")
    assert made[month(2025, 1)] == pytest.approx(dies / 2 * 0.75, rel=1e-12)
    assert made.sum() == pytest.approx(dies / 2 * 0.75, rel=1e-12)


def test_hbm_caps_ascend_output_and_the_cap_shows(baseline):
    """1 M 910C need 8 M stacks; with 4 M only half can be packaged, the rest waits."""
    ps = fixed(baseline, {"tsmc_dies": 2_000_000, "hbm_stockpile": 4_000_000, "h100e_910c_inference": 1})
    ch = evaluate(ps)
    made = series(ch, "ascend_packages", route="tsmc")
    assert made.sum() == pytest.approx(500_000, rel=1e-12)
    assert series(ch, "dies_waiting", route="tsmc")[-1] == pytest.approx(1_000_000, rel=1e-12)
    assert series(ch, "hbm_stacks")[-1] == 0.0
    t = month(2025, 1)
    assert series(ch, "ascend_binding", constraint="hbm")[t] == 1.0
    assert series(ch, "ascend_binding", constraint="dies")[t] == 0.0


def test_packaging_capacity_paces_the_die_bank(baseline):
    """1 M packages' worth of dies at 100,000 packages a month: ten months, packaging binding."""
    ps = fixed(baseline, {"tsmc_dies": 2_000_000, "packaging_capacity": 100_000})
    ch = evaluate(ps)
    made = series(ch, "ascend_packages", route="tsmc")
    t = month(2025, 1)
    assert np.allclose(made[t:t + 10], 100_000, rtol=1e-12)
    assert made[t + 10:].max() <= 1e-6
    bind = series(ch, "ascend_binding", constraint="packaging")
    assert np.all(bind[t:t + 9] == 1.0) and bind[t + 11] == 0.0
    assert series(ch, "ascend_made_ytd", route="tsmc")[month(2025, 12)] == pytest.approx(1_000_000, rel=1e-12)


def test_waiting_dies_are_lost_at_the_obsolescence_rate(baseline):
    """No HBM at all: the bank waits and loses 30 % a year."""
    ps = fixed(baseline, {"tsmc_dies": 2_000_000, "hbm_stockpile": 0, "die_obsolescence_per_year": 0.3})
    ch = evaluate(ps)
    w = series(ch, "dies_waiting", route="tsmc")
    t = month(2025, 1)
    assert w[t] == pytest.approx(2_000_000, rel=1e-12)
    assert w[t + 12] == pytest.approx(2_000_000 * 0.7, rel=1e-12)
    lost = series(ch, "dies_lost", route="tsmc")
    assert lost[t + 12] + w[t + 12] == pytest.approx(2_000_000, rel=1e-12)
    assert np.all(series(ch, "ascend_packages", route="tsmc") == 0)


def test_950_generation_uses_its_own_dies_stacks_and_factor(baseline):
    """All domestic dies as 950-class: 1 die and 8 stacks per package, 0.8 H100e each."""
    ps = fixed(baseline, {"huawei_fab_wpm": 1_000, "smic_dies_per_wafer": 50, "smic_yield": 0.4,
                          "smic_yield_mature": 0.4, "ascend_950_share": 1.0, "h100e_950_inference": 0.8,
                          "hbm_stockpile": 1e9})
    ch = evaluate(ps)
    t = month(2026, 3)
    assert series(ch, "ascend_packages", route="huawei_fab")[t] == pytest.approx(20_000, rel=1e-12)
    added = np.diff(series(ch, "china_stock", channel="huawei_fab_ascend", metric="inference"))
    assert added[t - 1] == pytest.approx(16_000, rel=1e-12)
    used = -np.diff(series(ch, "hbm_stacks"))
    assert used[t - 1] == pytest.approx(160_000, rel=1e-9)


@pytest.mark.parametrize("cap,approved,supply", [(1e6, 4e5, 7e5), (3e5, 4e5, 7e5), (1e6, 9e5, 7e5)])
def test_h200_takes_the_smallest_gate(baseline, cap, approved, supply):
    ps = fixed(baseline, {"h200_us_cap": cap, "h200_china_approved": approved, "h200_supply": supply,
                          "h100e_h200_training": 1.1})
    ch = evaluate(ps)
    chips = series(ch, "china_chips", channel="nvidia_legal")
    assert chips[-1] == pytest.approx(min(cap, approved, supply), rel=1e-12)
    new = np.diff(chips)
    t = month(2026, 2)
    assert new[t - 1] == pytest.approx(min(cap, approved, supply) / 12, rel=1e-12)
    assert new[t - 2] == 0.0 and new[t + 12 - 1] == 0.0
    assert series(ch, "china_stock", channel="nvidia_legal", metric="training")[-1] == \
        pytest.approx(1.1 * min(cap, approved, supply), rel=1e-12)


def test_h20_windows(baseline):
    ps = fixed(baseline, {"h20_chips": 1_500_000, "h20_resumed_chips": 3_000, "nvidia_licensed": 1_000})
    ch = evaluate(ps)
    new = np.diff(series(ch, "china_chips", channel="nvidia_legal"), prepend=0.0)
    assert new[month(2024, 1)] == pytest.approx(100_000, rel=1e-12)
    assert new[month(2025, 3)] == pytest.approx(100_000, rel=1e-12)
    assert new[month(2025, 4)] == pytest.approx(1_000, rel=1e-12)          # licensed only
    assert new[month(2025, 8)] == pytest.approx(2_000, rel=1e-12)          # + resumed H20, 1,000 a month
    assert new[month(2025, 10)] == pytest.approx(1_000, rel=1e-12)


def test_smuggled_mix(baseline):
    """120,000 a year at the 2024 level; half Blackwell at 2.0 H100e, half Hopper at 1.0."""
    ps = fixed(baseline, {"smuggled_2024": 120_000, "smuggling_trend": 1, "smuggled_blackwell_share": 0.5,
                          "h100e_hopper": 1.0, "h100e_blackwell": 2.0})
    ch = evaluate(ps)
    h = series(ch, "china_stock", channel="nvidia_smuggled", metric="training")
    assert np.allclose(np.diff(h), 15_000, rtol=1e-12)
    assert series(ch, "chips_added_ytd", channel="nvidia_smuggled")[month(2024, 12)] == pytest.approx(120_000)


def test_attrition_and_channels(baseline):
    ps = fixed(baseline, {"h20_chips": 1_500_000, "h100e_h20_inference": 0.5, "attrition_per_year": 0.1})
    ch = evaluate(ps)
    chips = series(ch, "china_chips", channel="nvidia_legal")
    i = month(2025, 3)
    assert chips[i + 12] == pytest.approx(chips[i] * 0.9, rel=1e-12)
    for c in CHANNELS:
        if c != "nvidia_legal":
            assert np.all(series(ch, "china_chips", channel=c) == 0)


def test_other_designers_route(baseline):
    ps = fixed(baseline, {"smic_wpm": 10_000, "smic_other_share": 0.1, "other_dies_per_wafer": 100,
                          "smic_yield": 0.3, "smic_yield_mature": 0.3, "packaging_yield": 0.5,
                          "h100e_other_inference": 0.5, "domestic_utilisation": 0.8})
    ch = evaluate(ps)
    assert np.allclose(np.diff(series(ch, "china_chips", channel="other_domestic")), 15_000, rtol=1e-12)
    assert np.allclose(np.diff(series(ch, "china_stock", channel="other_domestic", metric="inference")),
                       6_000, rtol=1e-12)
    assert np.all(series(ch, "ascend_packages", route="smic") == 0)


@pytest.fixture(scope="module")
def draws(baseline):
    return evaluate(baseline, draws=2_000)


def test_identities_on_baseline_draws(baseline, draws):
    """What must hold for every draw and month, whatever the inputs."""
    ch = draws
    dates = baseline.run.dates()
    years = np.array([d.year for d in dates.astype("datetime64[M]").astype(object)])
    # exactly one constraint binds
    bind = sum(ch.output("ascend_binding", constraint=k) for k in CONSTRAINTS)
    assert np.all(bind == 1.0)
    for m in ("inference", "training"):
        tot = ch.output("china_total", metric=m)
        parts = sum(ch.output("china_stock", channel=c, metric=m) for c in CHANNELS)
        assert np.allclose(tot, parts, rtol=1e-6)
        firms = ch.output("china_firms_total", metric=m)
        assert np.allclose(firms, tot + ch.output("abroad_total"), rtol=1e-6)
    # yearly flows are the sums of the monthly flows within each calendar year
    for r in ROUTES:
        made = ch.output("ascend_made_ytd", route=r).astype(float)
        monthly = ch.output("ascend_packages", route=r).astype(float)
        for y in (2023, 2025, 2027, 2030):
            sel = years == y
            last = np.where(sel)[0][-1]
            assert np.allclose(made[last], monthly[sel].sum(axis=0), rtol=1e-5, atol=1e-3)
    us = ch.output("us_total").astype(float)
    us_add = ch.output("h100e_added_ytd", country="us", metric="inference").astype(float)
    dec = [np.where(years == y)[0][-1] for y in (2024, 2025)]
    assert np.allclose(us_add[dec[1]], us[dec[1]] - us[dec[0]], rtol=1e-5)


def _kernel_paths(spec, prior, ch, tmp_path):
    """The path values the kernel used (a model file whose outputs are the path inputs), so that
    the reference is compared on the equations alone: the kernel's log-linear interpolation
    differs from ``exp`` in the last places, which differences such as us_h100e - prev(us_h100e)
    would magnify."""
    lines = ['[model]\nname = "paths"\n[units]'] + [f'{u} = "{u}"' for u in spec.units]
    for name, i in spec.inputs.items():
        lines.append(f'[inputs.{name}]\nunits = "{i.units}"\npath = {str(i.path).lower()}\ndescription = "x"')
    paths = [n for n, i in spec.inputs.items() if i.path]
    for name in paths:
        lines.append(f'[outputs.echo_{name}]\nunits = "{spec.inputs[name].units}"\nequation = "{name}"')
    (tmp_path / "paths.toml").write_text("\n".join(lines) + "\n")
    echo = build(check_file(str(tmp_path / "paths.toml")))
    layout = build_layout(prior, echo.scalar_names, echo.path_names)
    out = np.empty((len(paths), prior.run.n_steps, ch.scalars.shape[0]))
    echo.run_chunk(layout, ch.scalars, ch.knots, prior.run.start.year * 12 + prior.run.start.month - 1, out)
    return {name: out[k].T for k, name in enumerate(paths)}


def test_kernel_matches_the_numpy_reference_on_baseline_draws(baseline, draws, tmp_path):
    """The generated kernel against :func:`dieroll.modelfile.reference.evaluate_reference`
    (plain numpy over draws, straight from the file's trees) to 1e-12 of each value (or of 1
    where the value is smaller), on the path values the kernel used."""
    spec = check_file("china")
    ch = draws
    paths = _kernel_paths(spec, baseline, ch, tmp_path)
    layout = build_layout(baseline, MODEL.scalar_names, MODEL.path_names)
    grid = paths_on_grid(layout, ch.knots)  # the two interpolations agree closely
    for name, v in paths.items():
        np.testing.assert_allclose(v, grid[name], rtol=1e-12, err_msg=name)
    ref = evaluate_reference(spec, ch.scalars, paths, ABS0, baseline.run.n_steps)
    assert ref.shape == ch.out.shape == (MODEL.n_series, baseline.run.n_steps, 2_000)
    bad = np.abs(ch.out - ref) > 1e-12 * np.maximum(np.abs(ref), 1.0)
    assert not bad.any(), sorted({MODEL.contract.where(int(r)) for r in np.argwhere(bad)[:, 0]})[:5]


def test_every_input_is_declared_once_and_read():
    from dieroll.modelfile.expr import names_read
    spec = check_file("china")
    read = set()
    for v in [*spec.flows.values(), *spec.stocks.values(), *spec.outputs.values()]:
        for tree in [*v.equations.values(), *(t for _, t in getattr(v, "terms", ()) or ())]:
            read |= set(names_read(tree))
    for name, i in MODEL.inputs.items():
        assert name in read, f"{name} declared but no equation reads it"
        assert i.units and i.description and i.channel
