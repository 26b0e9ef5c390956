# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# the tests of the kernels, the model's chunk and the results they give, run a second time by `make test`
# with dieroll's one hand-written low-level path (streaming stores, dieroll/_stream.py) switched off
KERNEL_TESTS := tests/unit/test_stream.py tests/unit/test_locate.py tests/statistical/test_reducers.py \
	tests/statistical/test_sampling.py tests/regression/test_golden.py tests/regression/test_reproducibility.py

.PHONY: run test test-slow bench notebook charts clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,notebooks]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/dieroll run priors/baseline.toml --force

# the whole suite: unit, statistical, property and regression tests; both notebooks run top to bottom in
# Jupyter's kernel inside tests/regression/test_notebooks_show_figures.py (a failing cell fails it)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15 tests
	@echo "the kernels' tests again with streaming stores off (dieroll._stream's switch):"
	DIEROLL_STREAMING=0 $(BIN)/python -m pytest -q -n 2 --dist loadfile $(KERNEL_TESTS)

test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_seed_model.py
	$(BIN)/python benchmarks/bench_full_model.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_bandwidth.py
	$(BIN)/python benchmarks/bench_streaming.py

# JupyterLab is not a dependency: installed into .venv on first use
notebook: $(STAMP)
	$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/pip install --quiet jupyterlab
	$(BIN)/jupyter lab notebooks/

# regenerate the charts shown in the README (docs/img/)
charts: $(STAMP)
	$(BIN)/dieroll run priors/baseline.toml --force --quiet --draws 200000
	$(BIN)/dieroll run priors/baseline.toml --name baseline-draws --force --quiet --draws 50000 --keep-draws
	$(BIN)/dieroll run priors/no-smuggling.toml --force --quiet --draws 200000
	$(BIN)/dieroll run priors/hbm-stockpile-only.toml --force --quiet --draws 200000
	$(BIN)/dieroll chart baseline --log --out docs/img
	$(BIN)/dieroll chart baseline --kind stack --out docs/img
	$(BIN)/dieroll chart baseline --kind exceedance --threshold 1e6 2e6 5e6 --out docs/img
	$(BIN)/dieroll compare baseline no-smuggling hbm-stockpile-only --log --out docs/img
	$(BIN)/dieroll disputes baseline-draws --chart
	cp runs/baseline-draws/disputes-*.png runs/baseline-draws/tornado-*.png docs/img/

clean:
	rm -rf $(VENV) build src/*.egg-info
