"""The 193 audio features of the Smell of Fear study (emolib.features.librosa193)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emolib.features.librosa193 import (
    FEATURE_BLOCKS,
    FEATURE_RATE,
    N_FEATURES,
    feature_names,
    librosa193,
    librosa193_sequences,
)


def tone(freq: float, seconds: float, sr: int = FEATURE_RATE, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def block(features: np.ndarray, name: str) -> np.ndarray:
    start = 0
    for block_name, size in FEATURE_BLOCKS:
        if block_name == name:
            return features[start : start + size]
        start += size
    raise KeyError(name)


def test_layout_is_40_12_128_7_6() -> None:
    assert [size for _, size in FEATURE_BLOCKS] == [40, 12, 128, 7, 6]
    assert [name for name, _ in FEATURE_BLOCKS] == ["mfcc", "chroma", "mel", "contrast", "tonnetz"]
    names = feature_names()
    assert len(names) == len(set(names)) == N_FEATURES == 193
    assert names[0] == "mfcc_0" and names[40] == "chroma_0" and names[-1] == "tonnetz_5"


def test_shape_dtype_and_chroma_of_a_pure_a() -> None:
    feats = librosa193(tone(440.0, 2.0), FEATURE_RATE)
    assert feats.shape == (193,) and feats.dtype == np.float64
    assert np.all(np.isfinite(feats))
    assert int(np.argmax(block(feats, "chroma"))) == 9  # pitch class A
    louder = librosa193(tone(440.0, 2.0, amp=0.6), FEATURE_RATE)
    assert block(louder, "mel").sum() > 3.0 * block(feats, "mel").sum()  # mel power ~ amplitude squared


def test_stereo_is_mixed_to_mono_and_rate_is_resampled() -> None:
    mono = tone(523.25, 1.5, sr=44100)
    stereo = np.stack([mono, mono], axis=1)
    np.testing.assert_allclose(librosa193(stereo, 44100), librosa193(mono, 44100), rtol=1e-5, atol=1e-5)
    at_44k = librosa193(mono, 44100)
    assert int(np.argmax(block(at_44k, "chroma"))) == 0  # C, whatever the input rate


def test_sequences_match_single_clips() -> None:
    sr = 8000
    y = np.concatenate([tone(220.0, 30.0, sr), tone(330.0, 30.0, sr), tone(440.0, 7.0, sr)])
    whole = librosa193_sequences(y, sr)
    assert whole.shape == (2, 193)
    np.testing.assert_array_equal(whole[1], librosa193(y[30 * sr : 60 * sr], sr))
    with_tail = librosa193_sequences(y, sr, partial=True)
    assert with_tail.shape == (3, 193)
    np.testing.assert_array_equal(with_tail[:2], whole)
    assert librosa193_sequences(y[: 10 * sr], sr).shape == (0, 193)


def test_features_do_not_depend_on_the_blas_thread_count() -> None:
    from threadpoolctl import threadpool_limits

    x = np.random.default_rng(4).standard_normal(FEATURE_RATE * 5).astype(np.float32) * 0.1
    runs = []
    for threads in (1, 2, 4):
        with threadpool_limits(limits=threads, user_api="blas"):
            runs.append(librosa193(x, FEATURE_RATE).tobytes())
    assert runs[0] == runs[1] == runs[2]  # bit for bit: samples are the same whatever the workers


def test_study_recipe_differs_only_in_tonnetz() -> None:
    y = tone(440.0, 4.0)
    fast, study = librosa193(y, FEATURE_RATE), librosa193(y, FEATURE_RATE, recipe="study")
    np.testing.assert_array_equal(fast[:-6], study[:-6])
    assert study.shape == (193,) and np.all(np.isfinite(study))


@pytest.mark.parametrize(
    ("y", "kwargs", "message"),
    [
        (np.zeros(0, dtype=np.float32), {}, "empty"),
        (np.array([0.0, np.nan, 0.0] * 1000), {}, "NaN"),
        (np.zeros((2, 3, 4)), {}, "1-D or 2-D"),
        (np.zeros(1000), {"recipe": "magic"}, "recipe"),
    ],
)
def test_bad_input_is_refused(y: np.ndarray, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        librosa193(y, FEATURE_RATE, **kwargs)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(min_value=1, max_value=30000),
    sr=st.sampled_from([8000, 22050, 44100, 48000]),
    amp=st.floats(min_value=0.0, max_value=1.0),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_any_clip_gives_193_finite_numbers(n: int, sr: int, amp: float, seed: int) -> None:
    y = amp * np.random.default_rng(seed).uniform(-1.0, 1.0, n)
    feats = librosa193(y, sr)
    assert feats.shape == (193,) and feats.dtype == np.float64
    assert np.all(np.isfinite(feats))
