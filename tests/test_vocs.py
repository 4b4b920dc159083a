"""VOC preprocessing beyond the study: removing each screening's slow trend before min-max scaling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from emolib.datasets import vocs


def test_detrend_removes_a_line_and_keeps_gaps() -> None:
    t = np.arange(8, dtype=np.float64)
    raw = pd.DataFrame(
        {
            "CO2": 400.0 + 12.0 * t,  # a pure line: nothing left
            "isoprene": [1.0, np.nan, 3.0, 4.0, np.nan, 6.0, 7.0, 8.0],  # a line with gaps
            "ethanol": [np.nan] * 7 + [5.0],  # one value: its constant goes
            "siloxane": [np.nan] * 8,
        },
        index=pd.RangeIndex(8, name="sequence"),
    )
    out = vocs.detrend_screening(raw, 1)
    assert out.index.equals(raw.index) and out.columns.equals(raw.columns)
    np.testing.assert_allclose(out["CO2"], 0.0, atol=1e-9)
    assert out["isoprene"].isna().tolist() == raw["isoprene"].isna().tolist()
    np.testing.assert_allclose(out["isoprene"].dropna(), 0.0, atol=1e-9)
    assert out["ethanol"].iloc[-1] == 0.0 and out["ethanol"].iloc[:-1].isna().all()
    assert out["siloxane"].isna().all()
    assert raw["CO2"].iloc[-1] == 484.0  # input untouched
    np.testing.assert_allclose(vocs.detrend_screening(raw[["CO2"]], 0)["CO2"], 12.0 * (t - t.mean()))
    with pytest.raises(ValueError, match="non-negative"):
        vocs.detrend_screening(raw, -1)
    with pytest.raises(ValueError, match="infinite"):
        vocs.detrend_screening(pd.DataFrame({"a": [1.0, np.inf]}))


def test_detrending_puts_the_response_not_the_accumulation_at_the_top() -> None:
    """CO2 building up over a screening, with one burst of excitement in the middle of the film."""
    t = np.arange(20, dtype=np.float64)
    burst = np.where((t >= 8) & (t <= 10), 15.0, 0.0)
    raw = pd.DataFrame({"CO2": 420.0 + 10.0 * t + burst})
    plain = vocs.normalise_screenings([raw])[0]["CO2"]
    detrended = vocs.normalise_screenings([raw], detrend=1)[0]["CO2"]
    assert plain.idxmax() == 19 and plain.iloc[-4:].min() > plain.iloc[8:11].max()  # the end wins
    assert set(detrended.nlargest(3).index) == {8, 9, 10} and detrended.max() == 1.0
    # outside the burst almost no drift is left (the line is pulled a little by the burst itself)
    calm = detrended.drop(index=[8, 9, 10])
    assert calm.max() - calm.min() < 0.05 < 0.9 < plain.iloc[-4:].mean() - plain.iloc[:4].mean() + 0.2


def test_normalise_screenings_is_the_study_by_default() -> None:
    rng = np.random.default_rng(0)
    screenings = [pd.DataFrame(rng.random((n, 3)), columns=["a", "b", "c"]) for n in (5, 6)]
    screenings[0].iloc[2, 1] = np.nan
    study = vocs.fill_missing([vocs.minmax_per_screening(s) for s in screenings])
    for mine, theirs in zip(vocs.normalise_screenings(screenings), study, strict=True):
        pd.testing.assert_frame_equal(mine, theirs)
    detrended = vocs.normalise_screenings(screenings, detrend=1)
    assert all(not d.isna().any().any() and ((d >= 0) & (d <= 1)).all().all() for d in detrended)
    assert not np.allclose(detrended[1].to_numpy(), study[1].to_numpy())


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 25), st.integers(1, 4)),
               elements=st.one_of(st.floats(-1e4, 1e4), st.just(np.nan))),
    st.integers(0, 2),
)  # fmt: skip
def test_detrend_residuals_are_orthogonal_to_the_trend(values: np.ndarray, degree: int) -> None:
    out = vocs.detrend_screening(pd.DataFrame(values), degree).to_numpy()
    assert np.array_equal(np.isnan(out), np.isnan(values))
    t = np.arange(len(values)) / max(len(values) - 1, 1)
    for j in range(values.shape[1]):
        present = ~np.isnan(values[:, j])
        k = min(degree, int(present.sum()) - 1)
        if k < 0:
            continue
        scale = 1.0 + np.abs(values[present, j]).max()
        for power in range(k + 1):  # least squares: residuals orthogonal to 1, t, ..., t^k
            assert abs(np.sum(out[present, j] * t[present] ** power)) <= 1e-6 * scale * present.sum()
