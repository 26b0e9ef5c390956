"""The run report: one self-contained HTML page, checked as text and in a real headless Chromium."""
import os
import pathlib
import re
import shutil
import time
from html.parser import HTMLParser

import matplotlib
import pytest

matplotlib.use("Agg")

import dieroll  # noqa: E402
from dieroll.cli import main  # noqa: E402
from dieroll.published import load_published  # noqa: E402
from dieroll.report import build_report  # noqa: E402
from dieroll.store import open_run  # noqa: E402

from ..conftest import BASELINE  # noqa: E402

PUBLISHED = os.path.join(os.path.dirname(BASELINE), "published", "seeds.toml")
A4_PX = 794          # 210 mm at 96 px per inch


@pytest.fixture(scope="module")
def report(small_run, tmp_path_factory):
    """The small run's report (written outside the shared run), with the published estimates and one
    scenario to compare."""
    runs_dir = os.path.dirname(small_run)
    other = dieroll.run_to_folder(BASELINE, runs_dir=runs_dir, name="report-scenario", draws=3000, charts=False,
                                  sets=["packaging_yield=0.6"])
    out = str(tmp_path_factory.mktemp("report") / "report.html")
    assert main(["--runs-dir", runs_dir, "report", "small", "--published", PUBLISHED, "--compare",
                 "report-scenario", "--out", out]) == 0
    return out, pathlib.Path(out).read_text(encoding="utf-8"), other


class _Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings, self.svgs, self.tables, self.refs = [], [], [], []
        self._table = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "svg":
            self.svgs.append(a)
        if tag == "table":
            self._table = {"th": 0}
            self.tables.append(self._table)
        if tag == "th" and self._table is not None:
            self._table["th"] += 1
        for k in ("src", "href"):
            if k in a:
                self.refs.append(a[k])


def test_report_is_self_contained_accessible_and_small(report):
    path, page, _ = report
    assert os.path.getsize(path) < 5_000_000
    assert "<script" not in page.lower()
    o = _Outline()
    o.feed(page)
    assert all(r.startswith("#") for r in o.refs), [r for r in o.refs if not r.startswith("#")][:3]
    assert not re.search(r"url\((?!#)", page)                    # no fetched fonts or images in the CSS
    assert o.headings[0] == 1 and all(b - a <= 1 for a, b in zip(o.headings, o.headings[1:]))   # in order
    charts = [s for s in o.svgs if "svg" in s.get("class", "")]
    assert len(charts) >= 4 + 2 + 3 + 2 + 2                    # fans, channels+binding, flows, disputes, compare
    assert all(s.get("role") == "img" and s.get("aria-label") for s in o.svgs)   # alt text for every chart
    assert o.tables and all(t["th"] > 0 for t in o.tables)
    for words in ("Which dispute matters", "heim-tsmc-bank-h100e", "Scenarios compared", "priors sha256",
                  "dieroll run ", "smic_yield", "Financial Times"):
        assert words in page


def test_text_from_a_run_is_escaped(small_run):
    run = open_run(small_run)
    run.summary.attrs["title"] = "<script>alert(1)</script> & co"
    page = build_report(run)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def _chromium():
    path = os.environ.get("DIEROLL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("no Chromium on this machine (.ci/run installs Debian's chromium; or set DIEROLL_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (it is in the test extras)")
    return path, sync_playwright


def test_report_in_a_real_browser(report, tmp_path):
    path, _, _ = report
    exe, sync_playwright = _chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: errors.append(f"fetched {r.url}") if not r.url.startswith("file:") else None)
            t0 = time.perf_counter()
            page.goto("file://" + os.path.abspath(path), wait_until="load")
            seconds = time.perf_counter() - t0
            assert errors == []
            assert seconds < 2.0, f"the report took {seconds:.2f} s to load"
            boxes = page.eval_on_selector_all("figure.chart svg", "els => els.map(e => e.getBoundingClientRect())"
                                              ".map(r => [r.width, r.height, r.right])")
            assert boxes and all(w > 100 and h > 50 and right <= 1280 for w, h, right in boxes)
            assert page.evaluate("Array.from(document.querySelectorAll('table')).every(t => t.querySelector('th'))")
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280     # nothing cut off at 1280 px
            page.screenshot(path=str(tmp_path / "report-1280.png"), full_page=True)
            page.set_viewport_size({"width": A4_PX, "height": 1123})
            page.emulate_media(media="print")
            assert page.evaluate("document.documentElement.scrollWidth") <= A4_PX   # fits A4 print width
            right = page.eval_on_selector_all("figure.chart svg, table", "els => Math.max(...els.map("
                                              "e => e.getBoundingClientRect().right))")
            assert right <= A4_PX
            pdf = page.pdf(format="A4")
            assert pdf[:5] == b"%PDF-" and len(pdf) > 50_000
        finally:
            browser.close()


@pytest.mark.slow
def test_report_of_a_million_draws_is_small_and_fast(tmp_path):
    runs = str(tmp_path / "runs")
    run = open_run(dieroll.run_to_folder(BASELINE, runs_dir=runs, name="big", draws=1_000_000, charts=False))
    path = dieroll.write_report(run, published=load_published(PUBLISHED))
    assert os.path.getsize(path) < 5_000_000
    exe, sync_playwright = _chromium()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        t0 = time.perf_counter()
        page.goto("file://" + os.path.abspath(path), wait_until="load")
        assert time.perf_counter() - t0 < 2.0
        browser.close()


def test_every_quantity_has_a_small_plot(report):
    _, page, _ = report
    rows = page.split('<table class="priors">')[1].split("</table>")[0].split("<tr>")[2:]
    prior = dieroll.load_priors(BASELINE)
    assert len(rows) == len(prior.quantities)
    assert all("<svg" in r and ("<polyline" in r or "<line" in r) for r in rows)


def test_report_shows_the_model_it_ran_with_its_diagram_and_equations(report, small_run):
    """The model section: the model's hash, the label sets with their names, every equation as
    the file writes it, with its source, and the stock-and-flow diagram where Graphviz is installed."""
    import html
    import shutil

    from dieroll import open_run
    from dieroll.modelfile import check_text
    _, page, _ = report
    attrs = open_run(small_run).summary.attrs
    spec = check_text(attrs["model_text"])
    assert 'id="model"' in page and attrs["model_sha256"] in page
    body = html.unescape(page[page.index('id="model"'):page.index('id="priors"')])
    for v in [*spec.stocks.values(), *spec.flows.values(), *spec.outputs.values()]:
        assert f"<code>{v.name}</code>" in body, v.name
        for text in v.texts.values():
            assert text in body, (v.name, text)
    assert spec.labels["channel"].titles["smic_ascend"] in body
    if shutil.which("dot"):
        assert '<svg role="img" aria-label="Stock-and-flow diagram' in page
    else:
        assert "needs Graphviz's dot program" in body
