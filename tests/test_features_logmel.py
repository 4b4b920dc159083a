"""The log-mel front end needs only numpy: its mel filterbank is librosa's, computed without librosa."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from emolib.features.logmel import FMAX, FMIN, N_FFT, N_MELS, hz_to_mel, mel_filterbank, mel_to_hz
from emolib.media.alignment import AUDIO_RATE

SETTINGS = [
    (AUDIO_RATE, N_FFT, N_MELS, FMIN, FMAX),  # the patch's own
    (22050, 2048, 128, 0.0, 11025.0),  # librosa's defaults at its default rate
    (16000, 400, 80, 0.0, 8000.0),  # a speech front end
    (44100, 1024, 64, 125.0, 900.0),  # every band below 1 kHz: the linear part of the scale only
]


@pytest.mark.parametrize(("sr", "n_fft", "n_mels", "fmin", "fmax"), SETTINGS)
def test_the_filterbank_is_librosas(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> None:
    librosa = pytest.importorskip("librosa")
    ours = mel_filterbank(sr, n_fft, n_mels, fmin, fmax)
    with warnings.catch_warnings():  # librosa warns of bands with no FFT bin (the 900 Hz case)
        warnings.simplefilter("ignore")
        theirs = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape == (n_mels, 1 + n_fft // 2)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6)


def test_the_mel_scale_is_slaneys_and_inverts() -> None:
    hz = np.array([0.0, 200.0, 999.0, 1000.0, 1001.0, 6400.0, 22050.0])
    mel = hz_to_mel(hz)
    np.testing.assert_allclose(mel[:4], [0.0, 3.0, 999 * 3 / 200, 15.0])  # 200/3 Hz per mel up to 1 kHz
    np.testing.assert_allclose(mel[5], 15.0 + 27.0)  # then 27 mels per factor 6.4
    np.testing.assert_allclose(mel_to_hz(mel), hz, rtol=1e-12)
    assert np.all(np.diff(mel) > 0)


def test_every_band_of_the_patch_is_a_normalised_triangle() -> None:
    bank = mel_filterbank(AUDIO_RATE, N_FFT, N_MELS, FMIN, FMAX)
    hz = np.fft.rfftfreq(N_FFT, 1.0 / AUDIO_RATE)
    assert np.all(bank >= 0) and np.all(bank.max(axis=1) > 0)
    centres = hz[bank.argmax(axis=1)]
    assert np.all(np.diff(centres) >= 0) and FMIN <= centres[0] and centres[-1] <= FMAX
    assert np.all(bank[:, (hz < FMIN) | (hz > FMAX)] == 0)


def test_a_patch_is_98_frames_of_64_mel_bands() -> None:
    from emolib.features.logmel import HOP_LENGTH, N_FRAMES, PATCH_SHAPE, WIN_LENGTH
    from emolib.media.alignment import STEP_SAMPLES

    assert PATCH_SHAPE == (N_FRAMES, N_MELS) == (98, 64)
    assert 1 + (STEP_SAMPLES - WIN_LENGTH) // HOP_LENGTH == 98  # every frame inside the 23520-sample window
