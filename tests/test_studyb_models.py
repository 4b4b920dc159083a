"""Study B networks: the autoencoder's shapes and parameter count, frozen encoder, heads, audio network."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from emolib.studyb.models import (
    CODE_SHAPE,
    PAPER_AUTOENCODER_PARAMS,
    SEQUENCE_SHAPE,
    build_audio_mlp,
    build_autoencoder,
    build_label_head,
    build_voc_head,
    extract_encoder,
)
from emolib.studyb.training import load_model, save_model


@pytest.fixture(scope="module")
def autoencoder() -> keras.Model:
    keras.utils.set_random_seed(0)
    return build_autoencoder(batch_norm=True)


def test_shapes_input_code_output(autoencoder: keras.Model) -> None:
    x = np.random.default_rng(0).random((2, *SEQUENCE_SHAPE)).astype("float32")
    assert tuple(autoencoder.output_shape[1:]) == SEQUENCE_SHAPE
    code = extract_encoder(autoencoder).predict(x, verbose=0)
    assert code.shape == (2, *CODE_SHAPE) and int(np.prod(CODE_SHAPE)) == 64_512
    y = autoencoder.predict(x, verbose=0)  # inference graph: the padding bug of TF's oneDNN would show here
    assert y.shape == x.shape and np.all((y >= 0) & (y <= 1))
    assert autoencoder.evaluate(x, x, verbose=0) > 0


def test_parameter_count_matches_the_paper(autoencoder: keras.Model) -> None:
    assert autoencoder.count_params() == PAPER_AUTOENCODER_PARAMS == 227_331
    convs = [
        autoencoder.get_layer(n).count_params()
        for n in ("enc_conv1", "enc_conv2", "dec_conv1", "dec_conv2", "reconstruction")
    ]
    assert convs == [2624, 55_360, 110_656, 55_328, 2595]
    assert build_autoencoder(batch_norm=False, compile_model=False).count_params() == sum(convs)


def test_time_padding_adds_blank_frames(autoencoder: keras.Model) -> None:
    probe = keras.Model(autoencoder.inputs, autoencoder.get_layer("dec_pad_time").output)
    padded = probe.predict(np.ones((1, *SEQUENCE_SHAPE), "float32"), verbose=0)
    assert padded.shape[1] == 30
    assert np.all(padded[:, 0] == 0) and np.all(padded[:, -1] == 0)


def test_encoder_stays_frozen_while_a_head_trains(autoencoder: keras.Model) -> None:
    encoder = extract_encoder(autoencoder)
    before = [w.copy() for w in encoder.get_weights()]  # includes batch-norm moving statistics
    head = build_label_head(encoder, n_labels=3, units=8)
    x = np.random.default_rng(1).random((4, *SEQUENCE_SHAPE)).astype("float32")
    y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], "float32")
    top_before = [w.copy() for w in head.get_layer("top").get_weights()]
    head.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, encoder.get_weights(), strict=True))
    assert not all(
        np.array_equal(a, b) for a, b in zip(top_before, head.get_layer("top").get_weights(), strict=True)
    )
    assert all(not layer.trainable for layer in encoder.layers)


def test_heads_and_audio_network_shapes_and_counts(autoencoder: keras.Model, tmp_path) -> None:
    encoder = extract_encoder(autoencoder)
    voc = build_voc_head(encoder, units=4)
    assert voc.output_shape == (None, 6)
    audio = build_audio_mlp(13)
    assert audio.count_params() == 142_533  # the paper's figure for 13 labels
    assert build_audio_mlp(6, "vocs").count_params() == 140_426
    path = save_model(audio, tmp_path / "audio.keras")
    x = np.random.default_rng(2).random((3, 193)).astype("float32")
    np.testing.assert_allclose(load_model(path).predict(x, verbose=0), audio.predict(x, verbose=0), rtol=1e-5)
    with pytest.raises(ValueError):
        build_audio_mlp(6, "other")
