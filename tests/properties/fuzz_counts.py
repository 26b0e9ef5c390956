"""Run the mutated-baseline fuzz test with more examples and print what happened.

    .venv/bin/python tests/properties/fuzz_counts.py 1000

Prints how many documents ran, were refused by check, or were refused by the
run (anything else escaping fails as in the test).  The counts go in
``docs/reliability.md``.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import tests.properties.test_priors_fuzz as fuzz  # noqa: E402

if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    inner = fuzz.test_mutated_baseline_through_load_check_and_a_run.hypothesis.inner_test
    given(st.data())(settings(max_examples=n, deadline=None)(inner))()
    print(f"{n:,} examples: {fuzz.OUTCOMES}")
