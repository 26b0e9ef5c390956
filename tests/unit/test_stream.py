"""Streaming stores (``dieroll._stream``): when a kernel may stream, that a streamed
piece holds the values an assignment would, that the model's chunk is the same
whichever way it is written, and that the switch turns streaming off."""
import numpy as np
import pytest
from numba import njit

from dieroll import _stream
from dieroll._stream import ALIGN, aligned_empty, can_stream, store_fence, stream8


@pytest.mark.parametrize("shape,dtype", [((3, 5, 16), np.float32), ((7,), np.float64), ((1, 1, 1), np.float32)])
def test_aligned_empty(shape, dtype):
    a = aligned_empty(shape, dtype)
    assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable
    assert a.ctypes.data % 64 == 0


def test_can_stream_only_where_every_piece_is_aligned(monkeypatch):
    monkeypatch.setattr(_stream, "ENABLED", True)  # the switch on: the rules below are the array's
    a = aligned_empty((4, 3, 16), np.float32)
    assert can_stream(a) is _stream.STREAMING
    assert not can_stream(aligned_empty((4, 3, 12), np.float32))     # rows not a multiple of 8 values
    assert not can_stream(aligned_empty((4, 3, 16), np.float64))     # runs stream float32 only
    assert not can_stream(a[:, :, 8:])                               # not contiguous
    flat = aligned_empty((40,), np.float32)
    assert not can_stream(flat[1:33])                                # data 4 bytes past an aligned address
    assert (flat[8:40].ctypes.data % ALIGN == 0) and can_stream(flat[8:40]) is _stream.STREAMING


@njit
def _copy(dst, src, nt):
    j = 0
    if nt:
        while j + 8 <= src.shape[0]:
            stream8(dst, j, src, j)
            j += 8
    for i in range(j, src.shape[0]):
        dst[i] = src[i]
    store_fence()


@pytest.mark.parametrize("src_dtype", [np.float64, np.float32])
def test_stream8_stores_what_an_assignment_stores(src_dtype):
    rng = np.random.default_rng(3)
    special = [1 / 3, -0.0, np.inf, -np.inf, np.nan, 1e-40, 3.4028235e38 * 1.5, 2.0**-149, 1.0000000596046448]
    with np.errstate(over="ignore"):
        src = np.concatenate([special, rng.normal(0, 1e6, 200), rng.lognormal(0, 30, 51)]).astype(src_dtype)
    assert src.size % 8 == 4  # a tail of four copied the ordinary way
    streamed = aligned_empty(src.shape, np.float32)
    plain = aligned_empty(src.shape, np.float32)
    with np.errstate(over="ignore"):
        _copy(streamed, src, True)
        _copy(plain, src, False)
        expected = src.astype(np.float32)
    assert np.array_equal(streamed.view(np.uint32), expected.view(np.uint32))
    assert np.array_equal(plain.view(np.uint32), expected.view(np.uint32))


def test_stream8_refuses_other_types():
    from numba.core.errors import TypingError
    with pytest.raises(TypingError, match="float32 C array"):
        _copy(np.zeros(8), np.zeros(8), True)


@pytest.mark.parametrize("n", [200, 64, 8])
def test_model_chunk_is_the_same_streamed_or_not(baseline, n):
    """The model kernel writes the same bits with streaming stores as with ordinary
    ones (200 draws: three blocks of 64 and a last block of 8)."""
    from dieroll.engine.layout import build_layout
    from dieroll.engine.simulate import sample_inputs
    from dieroll import MODEL
    kernel = MODEL.run_chunk.module  # the generated module of the China model file
    layout = build_layout(baseline, MODEL.scalar_names, MODEL.path_names)
    sc, _, kn = sample_inputs(layout, 11, 1_000, n)
    T = baseline.run.n_steps
    outs = []
    for stream in (True, False):
        out = aligned_empty((MODEL.n_series, T, n), np.float32)
        out[:] = np.nan
        kernel.run_chunk(sc, kn, 2022 * 12 + 9, layout.grid, 2, out,
                         out.reshape(-1) if stream else np.empty(8, np.float32), stream,
                         np.ones((MODEL.n_series, T), np.bool_))
        outs.append(out)
    assert np.isfinite(outs[0]).all()
    assert np.array_equal(outs[0].view(np.uint32), outs[1].view(np.uint32))


@pytest.mark.parametrize("n", [200, 64])
def test_model_writes_the_rows_needed_and_leaves_the_others(baseline, n):
    """``run_chunk(..., needed=)`` (Model.partial_chunks) writes the rows needed with the
    bits of a full write and leaves every other row as it was, streamed or not."""
    from dieroll.engine.layout import build_layout
    from dieroll.engine.simulate import sample_inputs, summarised_rows
    from dieroll import MODEL
    layout = build_layout(baseline, MODEL.scalar_names, MODEL.path_names)
    sc, _, kn = sample_inputs(layout, 11, 1_000, n)
    needed = summarised_rows(MODEL, baseline)
    assert 0 < (~needed).sum() < needed.size
    full = aligned_empty((MODEL.n_series, baseline.run.n_steps, n), np.float32)
    MODEL.run_chunk(layout, sc, kn, 2022 * 12 + 9, full)
    for aligned in (True, False):
        raw = aligned_empty((full.size + 1,), np.float32)
        out = (raw[:-1] if aligned else raw[1:]).reshape(full.shape)  # streamed only when aligned
        out[:] = -7.0
        MODEL.run_chunk(layout, sc, kn, 2022 * 12 + 9, out, needed=needed)
        rows, want = out.reshape(needed.size, n), full.reshape(needed.size, n)
        assert np.array_equal(rows[needed].view(np.uint32), want[needed].view(np.uint32))
        assert (rows[~needed] == -7.0).all()


def test_a_run_without_readers_of_its_chunks_has_the_same_results(baseline):
    """A run whose chunks only the reducers read skips writing the rows they do not
    summarise; its results are those of a run whose chunks are all written."""
    from dieroll import simulate
    seen = []
    a = simulate(baseline, draws=20_000, chunk_size=3_000)
    b = simulate(baseline, draws=20_000, chunk_size=3_000, on_chunk=lambda ch: seen.append(ch.first))
    assert seen == list(range(0, 20_000, 3_000)) and a.reducer.skip.any()
    for x, y in zip(a.reducer.quantiles() + a.reducer.moments(), b.reducer.quantiles() + b.reducer.moments()):
        assert np.array_equal(x, y, equal_nan=True)


def test_the_switch_turns_streaming_off(monkeypatch):
    a = aligned_empty((4, 3, 16), np.float32)
    monkeypatch.setattr(_stream, "ENABLED", False)
    assert not can_stream(a)
    monkeypatch.setattr(_stream, "ENABLED", True)
    assert can_stream(a) == _stream.STREAMING


def test_the_environment_turns_the_switch_off():
    import os
    import subprocess
    import sys
    code = "from dieroll import _stream; print(_stream.ENABLED)"
    for value, want in (("0", "False"), ("1", "True")):
        r = subprocess.run([sys.executable, "-c", code], env={**os.environ, "DIEROLL_STREAMING": value},
                           capture_output=True, text=True, check=True)
        assert r.stdout.strip() == want
