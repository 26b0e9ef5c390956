"""Model v3 (src/dieroll/models/china_v3.toml), its structure with inputs fixed by hand: the
seeds' arithmetic, the planning rule and the bounded queue, other designers on the same HBM,
standalone 910B chips, licensed products in dated windows, the US and the world from shipments,
three metrics; and its kernel against the numpy reference on draws of priors/v3.toml."""
import os

import numpy as np
import pytest

from dieroll import evaluate, load_priors
from dieroll._months import paths_on_grid
from dieroll.engine.layout import build_layout
from dieroll.modelfile import check_file, load_model
from dieroll.modelfile.reference import evaluate_reference

from ..conftest import PRIORS

V3 = load_model("china-v3")
ABS0 = 2022 * 12 + 9
PRODUCTS = ("h20", "h20_resumed", "h200", "next")


@pytest.fixture(scope="module")
def v3():
    return load_priors(os.path.join(PRIORS, "v3.toml"))


def fixed(v3, values):
    """priors/v3.toml with every input fixed: zeros and neutral settings (no HBM or packaging
    limit, no losses, 910C only, windows closed), then ``values``."""
    v = {n: 0.0 for n in V3.inputs}
    v.update({"dies_per_910c": 2.0, "dies_per_950": 1.0, "packaging_yield": 1.0, "hbm_stacks_per_die": 4.0,
              "hbm_stacks_per_950": 8.0, "hbm_stockpile": 1e12, "other_hbm_stockpile": 1e12,
              "packaging_capacity": 1e12, "tsmc_bank_available": 2025.0, "domestic_utilisation": 1.0,
              "queue_cap_months": 120.0, "other_stacks_per_chip": 6.0, "other_packaging_share": 0.5,
              **{f"{p}_opens": 2035.0 for p in PRODUCTS}, **{f"{p}_closes": 2040.0 for p in PRODUCTS}})
    v.update(values)
    q = {n: {"source": "test", "dist": {"family": "fixed", "value": float(x)}} for n, x in v.items()}
    return v3.extend({"quantities": q, "correlations": [{"between": list(p), "rank": 0} for p in (
        ("smic_yield", "smic_yield_mature"), ("h100e_910c_inference", "h100e_910c_training"),
        ("smuggled_2024", "smuggling_trend"))]})


def series(ch, name, **sel):
    return ch.output(name, **sel)[:, 0].astype(float)


def month(y, m):
    return y * 12 + m - 1 - ABS0


SMIC = {"smic_wpm": 50_000, "smic_ascend_share": 1, "smic_dies_per_wafer": 80, "smic_yield": 0.2,
        "smic_yield_mature": 0.2}


def test_the_seeds_arithmetic_holds_in_v3(v3):
    """50,000 WPM x 80 x 20 % / 2 = 400,000 910C a month (CSIS j.18); 2 M TSMC dies / 2 x 75 % x 0.6
    = 450,000 inference H100e; the same packages at 0.8 peak are 600,000 peak H100e."""
    ch = evaluate(fixed(v3, SMIC))
    assert np.all(series(ch, "ascend_packages", route="smic") == 400_000.0)
    assert np.all(series(ch, "ascend_start_factor") == 1.0)
    ch = evaluate(fixed(v3, {"tsmc_dies": 2e6, "packaging_yield": 0.75, "h100e_910c_inference": 0.6,
                             "h100e_910c_peak": 0.8}))
    assert series(ch, "china_total", metric="inference")[-1] == pytest.approx(450_000, rel=1e-12)
    assert series(ch, "china_total", metric="peak")[-1] == pytest.approx(600_000, rel=1e-12)


def test_utilisation_discounts_inference_and_training_not_peak(v3):
    ch = evaluate(fixed(v3, {**SMIC, "domestic_utilisation": 0.7, "h100e_910c_inference": 0.6,
                             "h100e_910c_training": 0.3, "h100e_910c_peak": 0.8}))
    add = {m: np.diff(series(ch, "china_stock", channel="smic_ascend", metric=m)) for m in
           ("peak", "inference", "training")}
    np.testing.assert_allclose(add["peak"], 400_000 * 0.8, rtol=1e-12)
    np.testing.assert_allclose(add["inference"], 400_000 * 0.6 * 0.7, rtol=1e-12)
    np.testing.assert_allclose(add["training"], 400_000 * 0.3 * 0.7, rtol=1e-12)


@pytest.mark.parametrize("response", [0.0, 0.6, 1.0])
def test_starts_follow_scarcity_and_the_queue_is_bounded(v3, response):
    """No HBM once the controls bind (Dec 2024): nothing is packaged from then, so from the month
    after starts fall to 1 - response of plan; dies above queue_cap_months of planned starts are
    scrapped."""
    planned = 50_000 * 80 * 0.2  # good dies a month
    ch = evaluate(fixed(v3, {**SMIC, "hbm_stockpile": 0, "start_response": response, "queue_cap_months": 6}))
    sf = series(ch, "ascend_start_factor")
    assert np.all(sf[: month(2025, 1)] == 1.0)
    np.testing.assert_allclose(sf[month(2025, 1):], 1 - response, rtol=0, atol=1e-15)
    wait = series(ch, "dies_waiting", route="smic")
    assert np.all(wait[: month(2024, 12)] == 0)
    assert wait.max() <= 6 * planned * (1 + 1e-6)          # bounded
    if response < 1:
        assert wait[-1] == pytest.approx(6 * planned, rel=1e-6)  # and full: the excess is scrapped
        lost = series(ch, "dies_lost", route="smic")
        # from Dec 2024: arrivals (planned in Dec, then (1 - response) x planned) beyond the bound
        arrivals = planned + (len(wait) - month(2025, 1)) * (1 - response) * planned
        assert lost[-1] == pytest.approx(arrivals - 6 * planned, rel=1e-5)
    else:
        assert np.all(wait[month(2025, 1):] == wait[month(2024, 12)])  # no new starts
    assert np.all(series(ch, "ascend_packages", route="smic")[month(2024, 12):] == 0)


def test_waiting_dies_are_lost_at_the_stated_rate(v3):
    ch = evaluate(fixed(v3, {**SMIC, "hbm_stockpile": 0, "start_response": 1.0,
                             "die_obsolescence_per_year": 0.2}))
    wait = series(ch, "dies_waiting", route="smic")[month(2025, 1):]
    np.testing.assert_allclose(wait[1:] / wait[:-1], 0.8 ** (1 / 12), rtol=1e-9)


def test_other_designers_draw_on_the_same_hbm_and_packaging(v3):
    base = {"smic_wpm": 50_000, "smic_other_share": 0.1, "other_dies_per_wafer": 100, "smic_yield": 0.3,
            "smic_yield_mature": 0.3, "h100e_other_peak": 0.5}
    ch = evaluate(fixed(v3, base))
    assert np.allclose(np.diff(series(ch, "china_chips", channel="other_domestic")), 150_000, rtol=1e-12)
    # no HBM of their own once the controls bind (Dec 2024): no chips from then, and HBM shows as their limit
    ch = evaluate(fixed(v3, {**base, "other_hbm_stockpile": 0}))
    chips = series(ch, "china_chips", channel="other_domestic")
    assert np.all(np.diff(chips)[month(2024, 12) - 1:] == 0) and chips[month(2024, 11)] > 0
    assert np.all(series(ch, "other_binding", constraint="hbm")[month(2024, 12):] == 1)
    # a share of domestic HBM: 60,000 stacks a month at 6 a chip is 10,000 chips a month
    ch = evaluate(fixed(v3, {**base, "other_hbm_stockpile": 0, "hbm_domestic": 100_000, "other_hbm_share": 0.6}))
    np.testing.assert_allclose(np.diff(series(ch, "china_chips", channel="other_domestic"))[month(2024, 12):],
                               10_000, rtol=1e-12)
    # and their share of packaging: 20 % of 50,000 packages a month
    ch = evaluate(fixed(v3, {**base, "packaging_capacity": 50_000, "other_packaging_share": 0.2}))
    np.testing.assert_allclose(np.diff(series(ch, "china_chips", channel="other_domestic")), 10_000, rtol=1e-12)


def test_standalone_910b_chips(v3):
    """All domestic 910-generation dies sold alone: one die a chip, at the 910B's factors."""
    ch = evaluate(fixed(v3, {**SMIC, "standalone_910b_share": 1, "h100e_910b_peak": 0.33,
                             "h100e_910c_peak": 0.8}))
    assert np.all(series(ch, "ascend_packages", route="smic") == 800_000.0)
    np.testing.assert_allclose(np.diff(series(ch, "china_stock", channel="smic_ascend", metric="peak")),
                               800_000 * 0.33, rtol=1e-12)
    half = evaluate(fixed(v3, {**SMIC, "standalone_910b_share": 0.5}))
    assert np.all(series(half, "ascend_packages", route="smic") == 400_000 + 200_000)


def test_licensed_products_are_flows_in_dated_windows(v3):
    """120,000 H200 a year x 50 % approval x 80 % delivery, Jan - Jun 2026: 4,000 a month, 24,000 in 2026."""
    ch = evaluate(fixed(v3, {"h200_per_year": 120_000, "h200_approval": 0.5, "h200_delivery": 0.8,
                             "h200_opens": 2026.0, "h200_closes": 2026.5, "h100e_h200_peak": 1.0}))
    ytd = series(ch, "licensed_ytd", product="h200")
    dec = lambda y: month(y, 12)  # noqa: E731
    assert ytd[dec(2025)] == 0 and ytd[dec(2026)] == pytest.approx(24_000, rel=1e-12) and ytd[dec(2027)] == 0
    new = np.diff(series(ch, "china_chips", channel="nvidia_legal"), prepend=0.0)
    assert np.all(new[month(2026, 1):month(2026, 7)] == pytest.approx(4_000, rel=1e-12))
    assert np.all(new[: month(2026, 1)] == 0) and np.all(new[month(2026, 7):] == 0)
    # a window that never opens within the run gives nothing
    none = evaluate(fixed(v3, {"next_per_year": 1e6, "next_approval": 1, "next_delivery": 1}))
    assert np.all(series(none, "licensed_ytd", product="next") == 0)


def test_the_us_and_the_world_come_from_shipments(v3):
    """1.2 M H100e a year from each vendor, US shares 0.75/0.95/1/0.5, no attrition: the US adds
    (0.75 + 0.95 + 1 + 0.5) x 100,000 a month, the rest of the world the remainder."""
    v = {"us_h100e_start": 1e6, "row_h100e_start": 2e5, "tsmc_dies": 2e6, "h100e_910c_peak": 0.8}
    shares = {"nvidia": 0.75, "tpu": 0.95, "trainium": 1.0, "amd": 0.5}
    for vend, u in shares.items():
        v[f"{vend}_shipments"] = 1.2e6
        v[f"{vend}_us_share"] = u
    ch = evaluate(fixed(v3, v))
    us, row = series(ch, "us_total"), series(ch, "rest_of_world_total")
    t = np.arange(len(us)) + 1
    np.testing.assert_allclose(us, 1e6 + t * 100_000 * sum(shares.values()), rtol=1e-6)
    np.testing.assert_allclose(row, 2e5 + t * 100_000 * (4 - sum(shares.values())), rtol=1e-6)
    china = series(ch, "china_total", metric="peak")
    np.testing.assert_allclose(series(ch, "world_total", metric="peak"), china + us + row, rtol=1e-6)
    np.testing.assert_allclose(series(ch, "china_world_share", metric="peak"), china / (china + us + row),
                               rtol=1e-6)


@pytest.fixture(scope="module")
def v3_draws(v3):
    return evaluate(v3, draws=1_000)


def test_v3_kernel_matches_the_numpy_reference(v3, v3_draws, tmp_path):
    from .test_model import _kernel_paths
    spec = check_file("china-v3")
    paths = _kernel_paths(spec, v3, v3_draws, tmp_path)
    ref = evaluate_reference(spec, v3_draws.scalars, paths, ABS0, v3.run.n_steps)
    bad = np.abs(v3_draws.out - ref) > 1e-12 * np.maximum(np.abs(ref), 1.0)
    assert not bad.any(), sorted({V3.contract.where(int(r)) for r in np.argwhere(bad)[:, 0]})[:5]


def test_v3_identities_on_draws(v3, v3_draws):
    ch = v3_draws
    for m in ("peak", "inference", "training"):
        parts = sum(ch.output("china_stock", channel=c, metric=m).astype(float) for c in V3.labels["channel"])
        np.testing.assert_allclose(ch.output("china_total", metric=m), parts, rtol=1e-5)
        w = ch.output("world_total", metric=m).astype(float)
        assert np.all(ch.output("china_world_share", metric=m) <= 1) and np.all(w > 0)
    b = sum(ch.output("ascend_binding", constraint=k) for k in V3.labels["constraint"])
    assert np.all(b == 1)
    sf = ch.output("ascend_start_factor")
    assert np.all((sf >= 0) & (sf <= 1))
    for name in ("hbm_stacks", "other_hbm_stacks"):
        assert np.all(ch.output(name) >= 0), name


def test_every_v3_input_is_read_and_every_v3_quantity_is_dated_or_judgement(v3):
    from dieroll.modelfile.expr import names_read
    spec = check_file("china-v3")
    read = set()
    for v in [*spec.flows.values(), *spec.stocks.values(), *spec.outputs.values()]:
        for tree in [*v.equations.values(), *(t for _, t in getattr(v, "terms", ()) or ())]:
            read |= set(names_read(tree))
    assert set(V3.inputs) <= read, set(V3.inputs) - read
    undated = [n for n, q in v3.quantities.items() if q.basis != "judgement" and None in q.dates]
    assert not undated, undated


SCENARIOS = {"h200-500k": {"h200_per_year", "h200_approval", "h200_closes"},
             "hbm-controls-tight": {"hbm_grey", "hbm_domestic"}, "hbm-controls-leaky": {"hbm_grey"},
             "smuggling-enforced": {"smuggling_trend"}, "offshore-rule": {"abroad_h100e"}}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_v3_scenarios_change_only_what_they_say(v3, name):
    s = load_priors(os.path.join(PRIORS, "scenarios", "v3", f"{name}.toml"))
    assert s.run.seed == v3.run.seed and s.run.model == "china-v3"  # common random numbers
    changed = {n for n in v3.quantities if v3.resolved["quantities"][n] != s.resolved["quantities"][n]}
    assert changed == SCENARIOS[name]
    assert all("counterfactual" in s.quantities[n].source for n in changed)
