"""The numba cache folder follows the whole source, not one file's timestamp."""
import os

import numba
import pytest

from dieroll import _jit


def test_cache_folder_changes_when_any_source_file_changes(tmp_path):
    (tmp_path / "engine").mkdir()
    (tmp_path / "engine" / "a.py").write_text("X = 1\n")
    (tmp_path / "b.py").write_text("Y = 2\n")
    first = _jit._cache_dir(tmp_path)
    assert _jit._cache_dir(tmp_path) == first
    (tmp_path / "engine" / "a.py").write_text("X = 3\n")  # a callee changes, its caller's file does not
    assert _jit._cache_dir(tmp_path) != first


def test_dieroll_kernels_use_the_source_keyed_folder():
    if os.environ.get("NUMBA_CACHE_DIR"):
        pytest.skip("the user's NUMBA_CACHE_DIR is respected")
    assert numba.config.CACHE_DIR == _jit._cache_dir()
