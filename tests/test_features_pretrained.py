"""Pretrained backbones without hunting for files: keras-hub SigLIP and Whisper extractors (random init
from tiny configs, local preset folders, one clear error offline) and VGG19 through Keras's ImageNet cache.
Nothing here touches the network: downloads are replaced by functions that fail or return local files."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

from emolib.features import create
from emolib.features.base import file_sha256
from emolib.features.hub import PresetUnavailable
from emolib.features.vgg19 import IMAGENET_FILE, WeightsUnavailable
from emolib.features.whisper import VALID_TOKENS, WINDOW_SAMPLES
from emolib.media.alignment import STEP_SAMPLES
from emolib.runs.cli import main

RNG = np.random.default_rng(5)
TINY_SIGLIP = {"patch_size": 8, "hidden_dim": 16, "num_layers": 1, "num_heads": 2, "intermediate_dim": 32,
               "image_shape": (32, 32, 3)}  # fmt: skip
TINY_WHISPER = {"vocabulary_size": 16, "num_layers": 1, "num_heads": 2, "hidden_dim": 8,
                "intermediate_dim": 16, "max_encoder_sequence_length": 200,
                "max_decoder_sequence_length": 8}  # fmt: skip


def _clips(n: int) -> np.ndarray:
    return RNG.integers(0, 256, size=(n, 16, 112, 112, 3), dtype=np.uint8)


def _windows(n: int) -> np.ndarray:
    return (0.1 * RNG.standard_normal((n, STEP_SAMPLES))).astype(np.float32)


@pytest.fixture(scope="module")
def siglip():
    return create("siglip", random_weights=True, config=TINY_SIGLIP, batch=4, seed=2)


@pytest.fixture(scope="module")
def whisper():
    return create("whisper", random_weights=True, config=TINY_WHISPER, batch=2, seed=2)


def test_siglip_pools_the_frames_of_each_step(siglip) -> None:
    clips = _clips(3)
    out = siglip.transform(clips)  # 12 frames through batches of 4
    assert out.shape == (3, 16) == (3, siglip.dim) and out.dtype == np.float32
    np.testing.assert_allclose(siglip.transform(clips[2:]), out[2:], rtol=1e-5, atol=1e-6)
    still = np.repeat(clips[:1, :1], 16, axis=1)  # one picture held for the whole step
    one_frame = create("siglip", random_weights=True, config=TINY_SIGLIP, batch=4, seed=2, frames=1)
    np.testing.assert_allclose(siglip.transform(still), one_frame.transform(still), rtol=1e-5, atol=1e-6)
    assert siglip.weights_id == "random" and '"frames":4' in siglip.identity()["params"]
    assert '"hidden_dim":16' in siglip.identity()["params"]  # the random architecture is recorded
    with pytest.raises(ValueError, match="frames must be 1 to 16"):
        create("siglip", random_weights=True, config=TINY_SIGLIP, frames=0)


def test_whisper_encodes_the_16k_window_of_each_step(whisper) -> None:
    assert (WINDOW_SAMPLES, VALID_TOKENS) == (8534, 27)  # 0.533 s at 16 kHz; tokens of 20 ms
    windows = _windows(3)
    out = whisper.transform(windows)
    assert out.shape == (3, 8) == (3, whisper.dim) and np.isfinite(out).all()
    np.testing.assert_allclose(whisper.transform(windows[2:]), out[2:], rtol=1e-5, atol=1e-6)
    assert whisper.prepare(windows).shape == (3, 100, 80)  # Whisper log-mel, padded to one second
    assert whisper.transform(np.zeros((0, STEP_SAMPLES), np.float32)).shape == (0, 8)


@pytest.mark.parametrize("name", ["siglip", "whisper"])
def test_local_preset_folder_gives_the_same_features_and_its_hash(name, siglip, whisper, tmp_path) -> None:
    random_one, batch = (siglip, _clips(2)) if name == "siglip" else (whisper, _windows(2))
    folder = tmp_path / f"{name}_tiny"
    random_one.backbone.save_to_preset(str(folder))
    loaded = create(name, weights=folder, batch=2)
    np.testing.assert_allclose(loaded.transform(batch), random_one.transform(batch), rtol=1e-5, atol=1e-6)
    assert loaded.weights_id == "sha256:" + file_sha256(folder / "model.weights.h5")
    assert loaded.weights_file == str(folder)
    assert "config" not in loaded.identity()["params"] and "seed" not in loaded.identity()["params"]


def test_missing_or_incomplete_preset_folder_says_what_to_download(tmp_path: Path) -> None:
    with pytest.raises(
        PresetUnavailable, match="preset folder .*missing_siglip not found.*--weights siglip="
    ):
        create("siglip", weights=tmp_path / "missing_siglip")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(PresetUnavailable, match="has no model.weights.h5"):
        create("whisper", weights=tmp_path / "half")
    (tmp_path / "half" / "model.weights.h5").write_bytes(b"not hdf5")
    with pytest.raises(PresetUnavailable, match="cannot load the preset in .*half"):
        create("whisper", weights=tmp_path / "half")
    with pytest.raises(PresetUnavailable, match="--random-weights whisper"):
        create("whisper")
    with pytest.raises(PresetUnavailable, match="neither a keras-hub preset name"):
        create("siglip", weights="siglip_huge_nonexistent")


def test_offline_preset_name_fails_with_one_clear_message(monkeypatch, tmp_path: Path, capsys) -> None:
    from keras_hub.src.utils import preset_utils

    def offline(preset, path):
        raise ConnectionError("Failed to resolve 'api.kaggle.com'")  # requests' error is an OSError too

    monkeypatch.setattr(preset_utils, "get_file", offline)
    with pytest.raises(PresetUnavailable) as caught:
        create("siglip", weights="siglip_base_patch16_224")
    message = str(caught.value)
    assert "cannot download keras-hub preset 'siglip_base_patch16_224'" in message
    assert "kaggle.com/models/keras/siglip/keras/siglip_base_patch16_224" in message
    assert "~/.cache/kagglehub" in message and "--weights siglip=/path/to/siglip_base_patch16_224" in message
    with pytest.raises(PresetUnavailable, match="cannot download keras-hub preset 'kaggle://keras/whisper"):
        create("whisper", weights="kaggle://keras/whisper/keras/whisper_tiny_en/4")  # a handle, not a folder
    status = main(
        ["extract", "--data", str(tmp_path), "--audio", "whisper", "--weights", "whisper=whisper_base_en"]
    )
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and err.startswith("error: whisper: cannot download")
    assert "Traceback" not in err


def test_vgg19_imagenet_through_the_keras_cache(monkeypatch, tmp_path: Path) -> None:
    import keras
    from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...")  # what Keras raises

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(WeightsUnavailable, match=f"{IMAGENET_FILE}.*put it in {tmp_path}/kh/models/"):
        create("vgg19", weights="imagenet")
    trained = create("vgg19", random_weights=True, seed=4, batch=2)
    cached = tmp_path / IMAGENET_FILE
    base = keras.Model(trained.model.input, trained.model.get_layer("block5_pool").output)
    with h5py.File(cached, "w") as f:  # the legacy HDF5 layout of Keras's own notop file
        save_weights_to_hdf5_group(f, base)
    seen = {}
    monkeypatch.setattr(
        keras.utils, "get_file", lambda fname, origin, **kw: seen.update(fname=fname) or str(cached)
    )
    vgg = create("vgg19", weights="imagenet", batch=2)
    assert seen["fname"] == IMAGENET_FILE and vgg.weights_file == "imagenet"
    assert vgg.weights_id == "sha256:" + file_sha256(cached)
    windows = _windows(2)
    np.testing.assert_allclose(vgg.transform(windows), trained.transform(windows), rtol=1e-5, atol=1e-6)


def test_preset_features_go_into_the_store_with_their_provenance(siglip, whisper, tmp_path: Path) -> None:
    from features_fixtures import make_movie

    from emolib.features import FeatureStore, extract_movie

    movie = make_movie(tmp_path / "m.mp4", rate="25", seconds=2.0)
    folders = {}
    for extractor in (siglip, whisper):
        folders[extractor.name] = tmp_path / f"{extractor.name}_preset"
        extractor.backbone.save_to_preset(str(folders[extractor.name]))
    extractors = [create(name, weights=folder, batch=4) for name, folder in folders.items()]
    store = FeatureStore(tmp_path / "features")
    result = extract_movie("m", movie, extractors, store, progress=False)
    assert result.status == "done", result.reason
    for extractor in extractors:
        attrs = store.attrs(extractor.name, "m")
        assert attrs["weights"] == "sha256:" + file_sha256(folders[extractor.name] / "model.weights.h5")
        assert attrs["weights_file"] == str(folders[extractor.name])
        assert store.load(extractor.name, "m").data.shape == (3, extractor.dim)  # 2 s: three 0.533 s steps
    again = extract_movie("m", movie, [create("whisper", weights=folders["whisper"])], store, progress=False)
    assert again.extractors == {"whisper": "skipped"}  # same preset, same hash: up to date
