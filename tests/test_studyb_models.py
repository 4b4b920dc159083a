"""Study B networks: the autoencoder's shapes and parameter count, frozen encoder, heads, audio network."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from emolib.core.precision import use_precision
from emolib.studyb.models import (
    CODE_SHAPE,
    PAPER_AUTOENCODER_PARAMS,
    SEQUENCE_SHAPE,
    build_audio_mlp,
    build_autoencoder,
    build_label_head,
    build_voc_head,
    extract_encoder,
    pool_code,
    pooled_statistics,
    prevalence_logits,
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


def test_pooled_head_reads_the_pooled_code_and_starts_as_the_baseline(
    autoencoder: keras.Model, tmp_path
) -> None:
    encoder = extract_encoder(autoencoder)
    x = np.random.default_rng(3).random((5, *SEQUENCE_SHAPE)).astype("float32")
    codes = encoder.predict(x, verbose=0)
    y = np.array([[1, 0, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]])
    head = build_label_head(
        encoder, 3, head="pooled", l2=0.1, dropout=0.2, train_codes=codes, output_bias=prevalence_logits(y)
    )
    top = head.get_layer("top")
    n_pooled = (2 + 3 * 2) * 64  # global mean and max, then a 3 x 2 layout grid
    assert top.count_params() == n_pooled * 3 + 3 + 2 * n_pooled + 1  # read-out + standardisation statistics
    pooled = keras.Model(top.inputs, top.get_layer("pooled").output).predict(codes, verbose=0)
    np.testing.assert_allclose(pooled, pool_code(codes), rtol=1e-5, atol=1e-6)
    standardised = keras.Model(top.inputs, top.get_layer("standardise").output).predict(codes, verbose=0)
    np.testing.assert_allclose(standardised.mean(axis=0), 0.0, atol=1e-3)  # statistics of train_codes
    # zero weights, bias at the prevalence's logit: before training the head *is* the prevalence baseline
    np.testing.assert_allclose(head.predict(x, verbose=0), np.tile([0.75, 0.25, 0.25], (5, 1)), rtol=1e-5)
    voc = build_voc_head(encoder, head="pooled", output_bias=np.arange(6) / 10)
    np.testing.assert_allclose(voc.predict(x, verbose=0), np.tile(np.arange(6) / 10, (5, 1)), atol=1e-6)
    path = save_model(head, tmp_path / "pooled.keras")
    np.testing.assert_allclose(load_model(path).predict(x, verbose=0), head.predict(x, verbose=0), rtol=1e-5)
    with pytest.raises(ValueError):
        build_label_head(encoder, 3, head="flat")
    with pytest.raises(ValueError):
        build_voc_head(encoder, head="pooled", dropout=1.0)


def test_prevalence_logits_are_clipped() -> None:
    logits = prevalence_logits(np.array([[1, 0, 1], [1, 0, 0]]))
    np.testing.assert_allclose(1 / (1 + np.exp(-logits)), [0.99, 0.01, 0.5])


@pytest.fixture()
def mixed_policy():
    use_precision("mixed_float16")
    yield
    use_precision(False)


def test_outputs_stay_float32_under_mixed_precision(mixed_policy) -> None:
    autoencoder = build_autoencoder(batch_norm=True)
    assert autoencoder.get_layer("enc_conv1").compute_dtype == "float16"
    assert autoencoder.get_layer("reconstruction").compute_dtype == "float32"
    assert autoencoder.output.dtype == "float32"
    encoder = extract_encoder(autoencoder)
    for head in ("paper", "pooled"):
        for model in (
            build_label_head(encoder, 2, units=4, head=head),
            build_voc_head(encoder, units=4, head=head),
        ):
            assert model.output.dtype == "float32", (model.name, head)
    for task in ("labels", "vocs"):
        assert build_audio_mlp(3 if task == "labels" else 6, task).output.dtype == "float32"


def test_pooled_statistics_floor_the_scale_of_filters_silent_in_training() -> None:
    rng = np.random.default_rng(5)
    codes = rng.random((12, 7, 9, 16, 64)).astype("float32")
    codes[..., 3] = 0.0  # a filter silent on every training sequence
    codes[:, :, :, :, 7] = 0.0
    codes[0, 0, 0, 0, 7] = 1e-6  # ... and one that responds once, a little
    mean, variance = pooled_statistics(codes)
    pooled = pool_code(codes)
    np.testing.assert_allclose(mean, pooled.mean(axis=0), rtol=1e-5, atol=1e-7)
    sd = np.sqrt(variance)
    varying = pooled.std(axis=0)
    typical = np.median(varying[varying > 0])
    assert sd.min() >= 0.1 * typical * (1 - 1e-5)  # no scale below the floor
    ordinary = varying > 0.1 * typical
    np.testing.assert_allclose(sd[ordinary], varying[ordinary], rtol=1e-4)  # the others untouched
    # a later sequence on which the silent filters respond stays on the scale of the others
    other = codes[:1].copy()
    other[..., 3] = 0.5
    other[..., 7] = 0.5
    raw = np.abs(pool_code(other) - mean) / np.maximum(varying, 1e-12)
    z = np.abs(pool_code(other) - mean) / sd
    assert raw.max() > 1e5 and z.max() < 1e-3 * raw.max()
    with pytest.raises(ValueError):
        pooled_statistics(codes, floor=-1.0)


def test_pool_code_tells_where_in_the_frame_a_filter_responds() -> None:
    codes = np.zeros((2, 7, 9, 16, 64), dtype="float32")
    codes[0, :, :3, :8, 5] = 1.0  # filter 5 in the top band, left half, all the time
    codes[1, :, 6:, 8:, 5] = 1.0  # ... in the bottom band, right half
    pooled = pool_code(codes)
    assert pooled.shape == (2, 8 * 64)
    np.testing.assert_allclose(pooled[0, 5], pooled[1, 5])  # the global mean cannot tell them apart
    np.testing.assert_allclose(pooled[0, 64 + 5], pooled[1, 64 + 5])  # nor the maximum
    cells = pooled[:, 128:].reshape(2, 3, 2, 64)[..., 5]
    np.testing.assert_allclose(cells[0], [[1, 0], [0, 0], [0, 0]])
    np.testing.assert_allclose(cells[1], [[0, 0], [0, 0], [0, 1]])
    with pytest.raises(ValueError, match="layout grid"):
        pool_code(np.zeros((1, 7, 8, 16, 64)))
