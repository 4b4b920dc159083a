"""The synthetic cinema (emolib.synth): layouts, formats, variety, planted cues and determinism."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emolib.datasets.arff import read_arff
from emolib.datasets.mediaeval import load_testset, read_test_valence_arousal
from emolib.datasets.smelloffear import LABEL_NAMES
from emolib.datasets.vocs import read_voc_screening
from emolib.media.alignment import n_sequences, n_windows
from emolib.synth import generate_sample, plan
from emolib.synth.audio import iter_audio, plan_score, render_audio, timbre_brightness
from emolib.synth.breath import ATTRIBUTES, USED_MASSES
from emolib.synth.cues import MUSIC_FADE, STINGER_LEAD, fear_onsets
from emolib.synth.generate import _remove_stale
from emolib.synth.labels import scene_labels
from emolib.synth.latent import SCENES
from emolib.synth.mediaeval import (
    DEV_AUDIO_DIR,
    DEV_VISUAL_DIR,
    FEAR_DIR,
    FELT_SECONDS,
    TEST_AUDIO_DIR,
    TEST_TRUTH_DIR,
    TEST_VISUAL_DIR,
    VA_DIR,
    format_valence_arousal,
    window_annotations,
)
from emolib.synth.mediaeval2018 import DEFECTS, EMPTY_CL_SECOND, GAP, SHORT_SHARE
from emolib.synth.movie import movie_cues, movie_latent
from emolib.synth.mux import ffmpeg_exe
from emolib.synth.profiles import (
    FRAME_RATES,
    ME18_LAYOUT,
    PROFILES,
    TEST_LAYOUT,
    VISUAL_2017,
    Profile,
    acceptable_duration,
)
from emolib.synth.seeding import stream
from emolib.synth.video import plan_shots, render_batch

ME = "mediaeval2017"
SOF = "smelloffear"
PROFILES_MICRO = PROFILES["micro"]
NANO = Profile("nano", 1, (21.0, 24.0), (1,), (61.0, 64.0), 0, (10.0, 12.0), 1, (12.0, 15.0))
"""A three-movie profile (one of each layout) for the determinism test."""
PICO = Profile("pico", 1, (21.0, 24.0), (), (61.0, 64.0), 0, (10.0, 12.0), 1, (12.0, 15.0))
"""One development and one test movie: the test part must leave the development part as it was."""


@pytest.fixture(scope="session")
def micro(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The ``micro`` profile (seed 0) rendered once by two worker processes."""
    out = tmp_path_factory.mktemp("micro")
    manifest = generate_sample(out, profile="micro", seed=0, workers=2)
    return out, manifest


def specs_of(layout: str, profile: str = "micro", seed: int = 0) -> list:
    return [s for s in plan(profile, seed) if s.layout == layout]


def read_va(root: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / ME / VA_DIR / f"{name}-MEDIAEVAL2017-valence_arousal.txt", sep="\t")


def read_fear(root: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / ME / FEAR_DIR / f"{name}-MEDIAEVAL2017-fear.txt", sep="\t")


def decode_frames(path: Path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame[..., ::-1])
    cap.release()
    return frames


def decode_audio(path: Path, sr: int = 8000) -> np.ndarray:
    cmd = [
        ffmpeg_exe(),
        "-loglevel",
        "error",
        "-i",
        str(path),
        "-f",
        "f32le",
        "-ac",
        "1",
        "-ar",
        str(sr),
        "-",
    ]
    return np.frombuffer(subprocess.run(cmd, capture_output=True, check=True).stdout, dtype=np.float32)


# --------------------------------------------------------------------------------------------------
# Plans: variety and sizes, without rendering anything
# --------------------------------------------------------------------------------------------------


def test_tiny_plan_has_real_world_variety() -> None:
    specs = plan("tiny", 0)
    assert {s.fps for s in specs} == set(FRAME_RATES)  # 23.976, 24, 25, 29.97, 30
    assert len({round(s.width / s.height, 2) for s in specs}) >= 4
    assert {s.audio_rate for s in specs} == {44100, 48000}
    assert {s.channels for s in specs} == {1, 2}
    assert all(s.width % 2 == 0 and s.height % 2 == 0 and 128 <= s.width <= 256 for s in specs)
    assert all(0.4 < s.duration % 5.0 < 4.6 for s in specs)  # never on the 5 s grid
    me, sof = specs_of(ME, "tiny"), specs_of(SOF, "tiny")
    assert len(me) == 8 and all(105 <= s.duration <= 145 for s in me)
    labelled = [s for s in sof if s.labelled]
    assert len(labelled) == 6 and all(890 <= s.duration <= 1010 and 2 <= s.screenings <= 4 for s in labelled)
    assert sum(n_sequences(s.duration) for s in labelled) >= 180
    assert len([s for s in sof if not s.labelled]) == 2
    test = specs_of(TEST_LAYOUT, "tiny")
    assert [s.name for s in test] == ["MEDIAEVAL17_00", "MEDIAEVAL17_01", "MEDIAEVAL17_02"]
    assert all(55 <= s.duration <= 95 for s in test)


@pytest.mark.parametrize("profile", ["micro", "tiny", "full"])
def test_test_set_comes_last_and_leaves_the_development_plan_as_it_was(profile: str) -> None:
    from emolib.synth.profiles import get_profile

    specs = [s for s in plan(profile, 0) if s.layout != ME18_LAYOUT]  # the 2018 movies come after (below)
    without = [s for s in plan(replace(get_profile(profile), test_movies=0), 0) if s.layout != ME18_LAYOUT]
    assert specs[: len(without)] == without  # every earlier movie exactly as before
    test = specs[len(without) :]
    assert test and all(s.layout == TEST_LAYOUT for s in test)
    assert [s.name for s in test] == [f"MEDIAEVAL17_{k:02d}" for k in range(len(test))]
    assert len(test) == {"micro": 2, "tiny": 3, "full": 14}[profile]


def test_test_movies_draw_from_their_own_streams() -> None:
    dev = stream(0, ME, 0, "latent").random(8)
    test = stream(0, TEST_LAYOUT, 0, "latent").random(8)
    assert not np.allclose(dev, test)
    np.testing.assert_array_equal(test, stream(0, TEST_LAYOUT, 0, "latent").random(8))


def test_full_plan_follows_the_studies() -> None:
    specs = plan("full", 0)
    me = [s for s in specs if s.layout == ME]
    sof = [s for s in specs if s.layout == SOF]
    assert len(me) == 30 and all(180 <= s.duration <= 610 for s in me)
    assert [s.screenings for s in sof if s.labelled] == [10, 7, 2, 14, 4, 9]
    assert len([s for s in sof if not s.labelled]) == 6
    assert len({s.name for s in specs}) == len(specs)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31), profile=st.sampled_from(["micro", "tiny", "full"]))
def test_plans_are_deterministic_and_off_grid(seed: int, profile: str) -> None:
    specs = plan(profile, seed)
    assert specs == plan(profile, seed)
    for s in specs:
        assert acceptable_duration(s.duration, sequence_tail=s.layout == SOF and s.labelled)
        assert s.n_samples == round(s.n_frames * s.audio_rate / s.fps)


def test_unknown_profile_and_negative_seed_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        generate_sample(tmp_path, profile="huge")
    with pytest.raises(ValueError, match="seed"):
        generate_sample(tmp_path, profile="micro", seed=-1)


# --------------------------------------------------------------------------------------------------
# Latent curves, annotations and labels (cheap: no rendering)
# --------------------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31), duration=st.floats(min_value=3.0, max_value=400.0))
def test_latent_curves_and_window_annotations(seed: int, duration: float) -> None:
    latent = movie_latent_for(seed, duration)
    assert np.all(np.abs(latent.valence) <= 1) and np.all(np.abs(latent.arousal) <= 1)
    assert np.all((latent.fear >= 0) & (latent.fear <= 1))
    assert np.abs(np.diff(latent.valence)).max() < 0.2  # smooth at 10 Hz
    codes = latent.scene_codes
    assert not np.any(codes[1:] == codes[:-1])  # a scene never follows one of its own kind
    if duration > 30 and codes.size > 1:
        assert SCENES.index("suspense") in codes  # so there is a fear episode
    starts, valence, arousal, fear = window_annotations(latent, np.random.default_rng(seed))
    assert starts.size == n_windows(duration)
    np.testing.assert_array_equal(starts, 5.0 * np.arange(starts.size))
    assert np.all(np.abs(valence) <= 1) and np.all(np.abs(arousal) <= 1)
    assert set(np.unique(fear)) <= {0, 1}
    lines = format_valence_arousal(starts, valence, arousal).splitlines()
    assert lines[0] == "Id\tTime\tMeanValence\tMeanArousal" and len(lines) == starts.size + 1


def movie_latent_for(seed: int, duration: float):
    from emolib.synth.latent import sample_latent

    return sample_latent(np.random.default_rng(seed), duration)


def test_fear_is_rare_and_tied_to_low_valence_high_arousal() -> None:
    fear_windows, total, v_fear, v_calm, a_fear, a_calm = 0, 0, [], [], [], []
    for spec in plan("full", 0)[:30]:
        latent = movie_latent(spec, 0)
        starts, valence, arousal, fear = window_annotations(latent, stream(0, ME, spec.index, "annotation"))
        fear_windows += int(fear.sum())
        total += fear.size
        v_fear += list(valence[fear == 1])
        v_calm += list(valence[fear == 0])
        a_fear += list(arousal[fear == 1])
        a_calm += list(arousal[fear == 0])
    assert 0.08 < fear_windows / total < 0.25
    assert np.mean(v_fear) < np.mean(v_calm) - 0.4
    assert np.mean(a_fear) > np.mean(a_calm) + 0.4


def test_raters_feel_emotion_with_a_lag_and_it_persists() -> None:
    now, earlier, later, persists = [], [], [], []
    for spec in specs_of(ME, "full")[:10]:
        latent = movie_latent(spec, 0)
        felt = latent.felt(FELT_SECONDS)
        assert felt.valence[0] == latent.valence[0] and np.all(np.abs(felt.arousal) <= 1)
        np.testing.assert_array_equal(felt.fear, latent.fear)
        starts, valence, _, _ = window_annotations(latent, stream(0, ME, spec.index, "annotation"))
        now.append(corr(valence, latent.interval_means(starts, 10.0, "valence")))
        earlier.append(corr(valence, latent.interval_means(starts - 3.0, 10.0, "valence")))
        later.append(corr(valence, latent.interval_means(starts + 3.0, 10.0, "valence")))
        # after a scene ends, what raters feel still leans towards it
        for end in latent.scene_starts[1:]:
            k = int(end * latent.rate)
            before, after = latent.valence[k - 20], latent.valence[min(k + 40, latent.valence.size - 1)]
            if abs(after - before) > 0.4:
                persists.append((felt.valence[min(k + 40, felt.valence.size - 1)] - after) / (before - after))
    assert np.mean(earlier) > np.mean(now) > np.mean(later)
    assert len(persists) > 5 and np.median(persists) > 0.2  # 4 s after, a fifth of the old feeling remains


def test_different_seeds_give_different_annotations() -> None:
    spec = specs_of(ME)[0]
    texts = []
    for seed in (0, 1):
        latent = movie_latent(spec, seed)
        starts, valence, arousal, _ = window_annotations(latent, stream(seed, ME, 0, "annotation"))
        texts.append(format_valence_arousal(starts, valence, arousal))
    assert texts[0] != texts[1]


def test_label_prevalence_mimics_the_study() -> None:
    counts = np.zeros(42, dtype=int)
    for spec in specs_of(SOF, "tiny"):
        if spec.labelled:
            latent = movie_latent(spec, 0)
            labels = scene_labels(latent, n_sequences(spec.duration), stream(0, SOF, spec.index, "labels"))
            counts += labels.sum(axis=1)
    kept = {LABEL_NAMES[i] for i in np.flatnonzero(counts >= 20)}
    assert len(kept) >= 2, counts  # a few labels pass the study's >= 20 positives rule on tiny
    common = {"suspense", "comedy", "drama", "everyday life", "conversation", "action", "landscape"}
    common |= {"conversation main actor", "sudden shock", "calm conversation", "death", "running"}
    common |= {"blood (violence)"}
    assert kept <= common
    assert (counts < 5).sum() >= 15  # specific labels are rarely on


def test_harmony_follows_valence_and_tempo_follows_arousal() -> None:
    spec = specs_of(ME, "full")[0]
    latent = movie_latent(spec, 0)
    score = plan_score(latent, movie_cues(spec, 0, latent), stream(0, ME, spec.index, "audio"))
    np.testing.assert_allclose(score.bright, timbre_brightness(latent.at(score.beats[:-1], "valence")))
    thirds = np.round(12 * np.log2(score.chords[:, 1] / score.chords[:, 0])).astype(int)
    np.testing.assert_array_equal(thirds, np.where(score.major, 4, 3))  # major third 4 semitones, minor 3
    bars = score.beats[:-1][::4]
    valence, major = latent.at(bars, "valence"), score.major[::4]
    assert major[valence > 0.4].mean() > 0.85 and major[valence < -0.4].mean() < 0.15
    assert 0.2 < major[np.abs(valence) < 0.1].mean() < 0.8  # near 0, one bar says little
    np.testing.assert_array_equal(score.major, major[np.arange(score.major.size) // 4])  # one mode per bar
    beat_rate = 60.0 / np.diff(score.beats[:-1])
    arousal = latent.at(score.beats[:-2], "arousal")
    cues = movie_cues(spec, 0, latent)
    own = cues.tempo_at(score.beats[:-2])  # each stretch of music has its own tempo multiplier
    assert np.corrcoef(beat_rate / own, arousal)[0, 1] > 0.9
    assert 0.7 < own.min() and own.max() < 1.4 and own.std() > 0.03


def test_cue_plan_switches_cues_on_and_off() -> None:
    music, graded, held, night, fear = [], [], [], [], []
    on_before, stray, lead_time, total_time = 0, 0, 0.0, 0.0
    for spec in specs_of(ME, "full")[:12]:
        latent = movie_latent(spec, 0)
        cues = movie_cues(spec, 0, latent)
        t = latent.t
        music.append(cues.music_at(t))
        graded.append(cues.graded[cues.look_at(t)])
        held.append(cues.held[cues.look_at(t)])
        night.append(cues.night_at(t))
        fear.append(latent.fear)
        assert not np.any(night[-1] & (latent.scene == SCENES.index("suspense")))
        level = cues.music_level(t)
        assert np.all((level >= 0) & (level <= cues.mix.max())) and np.all(level[~music[-1]] < cues.mix.max())
        assert np.abs(np.diff(level)).max() <= cues.mix.max() / (MUSIC_FADE * latent.rate) + 1e-9  # fades
        onsets = fear_onsets(latent)
        lead = cues.stingers[:, None] - onsets[None, :]
        near = np.any((lead > -STINGER_LEAD - 1e-9) & (lead < 2.0), axis=1)
        on_before += int(near.sum())
        stray += int((~near).sum())
        lead_time += onsets.size * (STINGER_LEAD + 2.0)
        total_time += latent.duration
    music, graded, held, night, fear = map(np.concatenate, (music, graded, held, night, fear))
    assert 0.5 < music.mean() < 0.8 and 0.45 < graded.mean() < 0.75 and 0.1 < held.mean() < 0.4
    assert 0.1 < (~graded & ~music).mean() < 0.25  # neither valence cue: only memory can tell
    dark_calm = (night & (fear < 0.1)).mean()
    assert 0.5 * (fear > 0.5).mean() < dark_calm  # not every dark scene is fear
    # stingers cluster before fear episodes (ten times denser there), a few announce nothing
    assert on_before / lead_time > 10 * stray / (total_time - lead_time) > 0


@settings(max_examples=10, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=44099), min_size=1, max_size=5, unique=True))
def test_audio_does_not_depend_on_chunking(cuts: list[int]) -> None:
    spec = specs_of(ME)[0]
    latent = movie_latent(spec, 0)
    cues = movie_cues(spec, 0, latent)
    score = plan_score(latent, cues, stream(0, ME, 0, "audio"))
    boundary = cues.music_starts[1]  # a fade of the music in the middle of the second rendered
    start = int(round((boundary - 0.5) * 44100))
    stop = start + 44100
    whole = render_audio(latent, score, start, stop, 44100, 2)
    edges = [start, *sorted(start + c for c in cuts), stop]
    parts = np.concatenate(
        [render_audio(latent, score, a, b, 44100, 2) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    )
    np.testing.assert_array_equal(parts, whole)


# --------------------------------------------------------------------------------------------------
# The rendered micro sample: layouts exactly as formats.md
# --------------------------------------------------------------------------------------------------


def seconds_of(spec) -> range:
    """The numbers of a movie's per-second descriptor files: 1 .. whole seconds."""
    return range(1, int(np.floor(spec.duration + 1e-9)) + 1)


def descriptor_files_2017(spec, visual: str, audio: str) -> set[str]:
    files = {
        f"{visual}/{spec.name}/{f}/{spec.name}-{k:05d}_{f}.txt" for f in VISUAL_2017 for k in seconds_of(spec)
    }
    return files | {f"{audio}/{spec.name}_{k:05d}.csv" for k in range(n_windows(spec.duration))}


def files_2018(spec) -> set[str]:
    defects = DEFECTS.get(spec.index, ()) if spec.part.startswith("DevSet") else ()
    pre = f"{ME18_LAYOUT}/MEDIAEVAL18-{spec.part}"
    files = {
        f"{ME18_LAYOUT}/movies/{spec.name}.mp4",
        f"{ME18_LAYOUT}/_latent/{spec.name}.csv",
        f"{pre}-Valence_Arousal-annotations/annotations/{spec.name}_Valence-Arousal.txt",
        f"{pre}-Fear-annotations/annotations/{spec.name}_Fear.txt",
    }
    seconds = seconds_of(spec)
    for feat in ("acc", "cedd", "cl", "eh", "fcth", "gabor", "jcd", "sc", "tamura", "lbp", "fc6"):
        gap = range(GAP[0], GAP[1] + 1) if "gap" in defects and feat in ("fc6", "jcd") else ()
        files |= {
            f"{pre}-Visual_features/visual_features/{spec.name}/{feat}/{spec.name}-{k:05d}_{feat}.txt"
            for k in seconds
            if k not in gap
        }
    missing = len(seconds) // 2 if "audio_missing" in defects else None
    audio = f"{pre}-Audio_features/audio_features/{spec.name}"
    return files | {f"{audio}/{spec.name}_{k:05d}.csv" for k in seconds if k != missing}


def expected_files() -> set[str]:
    files = {"manifest.json"}
    for s in specs_of(ME):
        files |= {
            f"{ME}/movies/{s.name}.mp4",
            f"{ME}/{VA_DIR}/{s.name}-MEDIAEVAL2017-valence_arousal.txt",
            f"{ME}/{FEAR_DIR}/{s.name}-MEDIAEVAL2017-fear.txt",
            f"{ME}/_latent/{s.name}.csv",
        }
        files |= descriptor_files_2017(s, f"{ME}/{DEV_VISUAL_DIR}", f"{ME}/{DEV_AUDIO_DIR}/{s.name}")
    for s in specs_of(TEST_LAYOUT):
        files |= {
            f"{TEST_LAYOUT}/movies/{s.name}.mp4",
            f"{TEST_LAYOUT}/{TEST_TRUTH_DIR}/{s.name}_Valence-Arousal.txt",
            f"{TEST_LAYOUT}/_latent/{s.name}.csv",
        }
        audio = f"{TEST_LAYOUT}/{TEST_AUDIO_DIR}/{s.name}/audio_features"
        files |= descriptor_files_2017(s, f"{TEST_LAYOUT}/{TEST_VISUAL_DIR}", audio)
    for s in specs_of(ME18_LAYOUT):
        files |= files_2018(s)
    for s in specs_of(SOF):
        files |= {f"{SOF}/movies/{s.name}.mp4", f"{SOF}/_latent/{s.name}.csv"}
        if s.labelled:
            files |= {f"{SOF}/labels/{s.name}.csv", f"{SOF}/labels/{s.name}_transposed.csv"}
            files |= {f"{SOF}/audio/{s.name}.npy"}
            files |= {f"{SOF}/vocs/{k}_{s.name}.arff" for k in range(1, s.screenings + 1)}
    return files


@pytest.mark.slow
def test_exactly_the_expected_files(micro: tuple[Path, dict]) -> None:
    out, manifest = micro
    found = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert found == expected_files()  # no temporary leftovers either
    listed = {f for m in manifest["movies"] for f in m["files"]}
    in_dirs = {
        f for f in found for m in manifest["movies"] for d in m.get("dirs", []) if f.startswith(d + "/")
    }
    assert listed | in_dirs | {"manifest.json"} == found
    assert json.loads((out / "manifest.json").read_text()) == manifest


@pytest.mark.slow
def test_manifest_describes_every_movie(micro: tuple[Path, dict]) -> None:
    _, manifest = micro
    assert (
        manifest["generator"] == "emolib.synth" and manifest["profile"] == "micro" and manifest["seed"] == 0
    )
    specs = plan("micro", 0)
    assert [(m["layout"], m["name"]) for m in manifest["movies"]] == [(s.layout, s.name) for s in specs]
    for m, s in zip(manifest["movies"], specs, strict=True):
        assert (m["width"], m["height"], m["n_frames"], m["audio_rate"]) == (
            s.width,
            s.height,
            s.n_frames,
            s.audio_rate,
        )
        assert m["fps"] == str(s.fps) and m["duration"] == pytest.approx(s.duration)


@pytest.mark.slow
def test_mediaeval_annotation_files(micro: tuple[Path, dict]) -> None:
    out, _ = micro
    for spec in specs_of(ME):
        va_path = out / ME / VA_DIR / f"{spec.name}-MEDIAEVAL2017-valence_arousal.txt"
        lines = va_path.read_text().splitlines()
        assert lines[0] == "Id\tTime\tMeanValence\tMeanArousal"
        assert all(len(line.split("\t")) == 4 for line in lines)
        va, fear = read_va(out, spec.name), read_fear(out, spec.name)
        assert list(fear.columns) == ["Id", "Time", "Fear"]
        assert len(va) == len(fear) == n_windows(spec.duration)
        np.testing.assert_array_equal(va["Id"], np.arange(len(va)))
        np.testing.assert_array_equal(va["Time"], 5 * va["Id"])
        np.testing.assert_array_equal(fear["Time"], va["Time"])
        assert va["Time"].dtype.kind == "i"  # times are written as integers
        assert va[["MeanValence", "MeanArousal"]].abs().to_numpy().max() <= 1.0
        assert set(fear["Fear"]) <= {0, 1}
        assert va["Time"].iloc[-1] + 10 <= spec.duration < va["Time"].iloc[-1] + 15


@pytest.mark.slow
def test_test_set_ground_truth_is_read_by_the_test_set_reader(micro: tuple[Path, dict]) -> None:
    out, manifest = micro
    test = load_testset(out / TEST_LAYOUT)
    specs = specs_of(TEST_LAYOUT)
    assert test.names == [s.name for s in specs]
    entries = {m["name"]: m for m in manifest["movies"] if m["layout"] == TEST_LAYOUT}
    for spec in specs:
        path = out / TEST_LAYOUT / TEST_TRUTH_DIR / f"{spec.name}_Valence-Arousal.txt"
        lines = path.read_text().splitlines()
        assert len(lines[0].split()) == 4 and all(len(line.split()) == 4 for line in lines[1:])
        table = read_test_valence_arousal(path)
        assert len(table) == n_windows(spec.duration) == entries[spec.name]["n_windows"]
        assert table["time"].tolist() == [5.0 * i for i in range(len(table))]
        row = test.movies.set_index("name").loc[spec.name]
        assert row["movie"] == out / TEST_LAYOUT / "movies" / f"{spec.name}.mp4" and row["fear_path"] is None
    assert "fear" not in test.annotations  # the 2017 test set's fear format is not published


@pytest.mark.slow
def test_test_part_leaves_the_development_part_byte_identical(tmp_path: Path) -> None:
    both = generate_sample(tmp_path / "both", profile=PICO, seed=5, workers=1)
    dev = generate_sample(tmp_path / "dev", profile=replace(PICO, test_movies=0), seed=5, workers=1)
    dev_files = [f for m in dev["movies"] for f in m["files"]]
    assert dev["movies"] == [m for m in both["movies"] if m["layout"] != TEST_LAYOUT]
    assert dev_files and all(not f.startswith(TEST_LAYOUT) for f in dev_files)
    for rel in dev_files:
        assert (tmp_path / "both" / rel).read_bytes() == (tmp_path / "dev" / rel).read_bytes(), rel
    assert any(m["layout"] == TEST_LAYOUT for m in both["movies"])


@pytest.mark.slow
def test_movies_have_the_planned_formats(micro: tuple[Path, dict]) -> None:
    from emolib.media.probe import probe

    out, _ = micro
    for spec in plan("micro", 0):
        info = probe(out / spec.layout / "movies" / f"{spec.name}.mp4")
        assert (info.width, info.height) == (spec.width, spec.height)
        assert info.fps == pytest.approx(float(spec.fps), rel=1e-3)
        assert abs(info.n_frames - spec.n_frames) <= 1
        assert info.has_audio and info.audio_rate == spec.audio_rate and info.audio_channels == spec.channels
        assert (info.video_codec, info.audio_codec) == ("h264", "aac")


@pytest.mark.slow
def test_label_matrices(micro: tuple[Path, dict]) -> None:
    out, _ = micro
    for spec in specs_of(SOF):
        path = out / SOF / "labels" / f"{spec.name}.csv"
        if not spec.labelled:
            assert not path.exists()
            continue
        matrix = np.loadtxt(path, delimiter=",", dtype=int, ndmin=2)
        transposed = np.loadtxt(
            out / SOF / "labels" / f"{spec.name}_transposed.csv", delimiter=",", dtype=int, ndmin=2
        )
        assert matrix.shape == (42, n_sequences(spec.duration))
        np.testing.assert_array_equal(transposed, matrix.T)
        assert set(np.unique(matrix)) <= {0, 1}


@pytest.mark.slow
def test_voc_screenings(micro: tuple[Path, dict]) -> None:
    out, manifest = micro
    question_marks = 0
    for spec in specs_of(SOF):
        for k in range(1, spec.screenings + 1):
            path = out / SOF / "vocs" / f"{k}_{spec.name}.arff"
            text = path.read_text()
            question_marks += text.count("?")
            _, data = read_arff(path)
            names = list(data.columns)
            assert names == list(ATTRIBUTES) and names[:2] == ["time", "CO2"] and len(names) >= 200
            assert all(f"m{m:.4f}" in names for m in USED_MASSES.values())
            assert abs(len(data) - n_sequences(spec.duration)) <= 1
            np.testing.assert_array_equal(data["time"], 30.0 * np.arange(len(data)))
            assert read_voc_screening(path).shape == (len(data), 6)
    assert question_marks > 0
    films = [m for m in manifest["movies"] if m["layout"] == SOF and m["labelled"]]
    assert all(0 < s["audience"] and 1.0 <= s["lag_sequences"] <= 2.0 for f in films for s in f["screenings"])


@pytest.mark.slow
def test_audio_feature_tables(micro: tuple[Path, dict]) -> None:
    out, _ = micro
    offsets = set()
    for spec in specs_of(SOF):
        path = out / SOF / "audio" / f"{spec.name}.npy"
        if not spec.labelled:
            assert not path.exists()
            continue
        table = np.load(path)
        assert table.dtype == np.float64 and table.ndim == 2 and table.shape[1] == 193
        assert np.all(np.isfinite(table))
        offsets.add(table.shape[0] - n_sequences(spec.duration))
    assert offsets <= {-1, 0, 1} and len(offsets) >= 2  # like the real release, lengths may differ by one


@pytest.mark.slow
def test_latent_files(micro: tuple[Path, dict]) -> None:
    out, _ = micro
    for spec in plan("micro", 0):
        table = pd.read_csv(out / spec.layout / "_latent" / f"{spec.name}.csv")
        assert list(table.columns[:5]) == ["time", "valence", "arousal", "fear", "scene"]
        np.testing.assert_allclose(np.diff(table["time"]), 0.5)
        assert table["time"].iloc[-1] < spec.duration <= table["time"].iloc[-1] + 0.5 + 1e-9


# --------------------------------------------------------------------------------------------------
# Planted cues: what a model can learn, a person can see and hear, and when
# --------------------------------------------------------------------------------------------------

MEASURE_RATE = 8000
"""Sample rate at which the tests render soundtracks to measure them."""


def measure_seconds(spec, seed: int = 0) -> tuple[dict[str, np.ndarray], object, np.ndarray]:
    """Cues measured every second of a movie on its rendered pixels and sound, the truth, and the cuts.

    Pixels: warmth (mean R - B), brightness, motion (mean change to the next frame). Sound:
    loudness (log RMS over the second), rumble (log share of 25-60 Hz power), and the mode heard
    (major +1 / minor -1 per beat, weighted by the music's level, summed with that level as
    ``heard``). Truth: latent curves and cue presence (graded look, music, night).
    """
    latent = movie_latent(spec, seed)
    cues = movie_cues(spec, seed, latent)
    board = plan_shots(latent, cues, stream(seed, spec.layout, spec.index, "video"))
    score = plan_score(latent, cues, stream(seed, spec.layout, spec.index, "audio"))
    t = np.arange(0.5, np.floor(latent.duration) - 0.5, 1.0)
    frames = render_batch(latent, board, np.concatenate([t, t + 1 / float(spec.fps)]), 64, 36)
    now, nxt = np.split(frames.astype(np.float32) / 255.0, 2)
    sound = np.concatenate(
        list(iter_audio(latent, score, int(latent.duration * MEASURE_RATE), MEASURE_RATE, 1))
    )
    second = sound[: t.size * MEASURE_RATE, 0].reshape(t.size, MEASURE_RATE)
    power = np.abs(np.fft.rfft(second, axis=1)) ** 2
    beats = np.minimum(score.beats[:-1].astype(int), t.size - 1)
    level = cues.music_level(score.beats[:-1])
    shot = np.searchsorted(board.cuts, t, side="right") - 1
    return (
        {
            "t": t,
            "valence": latent.at(t, "valence"),
            "arousal": latent.at(t, "arousal"),
            "fear": latent.at(t, "fear"),
            "warmth": (now[..., 0] - now[..., 2]).mean(axis=(1, 2)),
            "brightness": now.mean(axis=(1, 2, 3)),
            "motion": np.abs(nxt - now).mean(axis=(1, 2, 3)),
            "loudness": np.log(np.sqrt((second**2).mean(axis=1)) + 1e-4),
            "rumble": np.log(power[:, 25:60].sum(axis=1) / power[:, 60:].sum(axis=1) + 1e-6),
            "mode": np.bincount(beats, np.where(score.major, 1.0, -1.0) * level, t.size),
            "heard": np.bincount(beats, level, t.size),
            "graded": board.graded[shot].astype(float),
            "music": cues.music_at(t).astype(float),
            "night": board.night[shot].astype(float),
        },
        latent,
        board.cuts,
    )


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, np.ndarray]]:
    """Seconds and annotation windows of the first 8 MediaEval movies of the full plan, measured."""
    seconds, windows = [], []
    for spec in specs_of(ME, "full")[:8]:
        sec, latent, cuts = measure_seconds(spec)
        starts, valence, arousal, fear = window_annotations(latent, stream(0, ME, spec.index, "annotation"))
        inside = ((sec["t"][None, :] >= starts[:, None]) & (sec["t"][None, :] < starts[:, None] + 10)) * 1.0
        win = {k: inside @ v / inside.sum(axis=1) for k, v in sec.items() if k not in ("mode", "heard")}
        win["mode"] = (inside @ sec["mode"]) / np.maximum(inside @ sec["heard"], 1e-9)  # share of major heard
        # what a cue reads where it is present (0 elsewhere; the share present is a feature too)
        clear = (sec["graded"] == 1) & (sec["fear"] < 0.1) & (sec["night"] == 0)
        for name, cue, present in (
            ("graded_warmth", "warmth", clear),
            ("music_loudness", "loudness", sec["music"] == 1),
        ):
            count = inside @ present
            win[name] = np.where(count > 0, inside @ (sec[cue] * present) / np.maximum(count, 1), 0.0)
        win["cuts"] = np.log1p([np.count_nonzero((cuts >= a) & (cuts < a + 10)) for a in starts])
        win.update(valence=valence, arousal=arousal, fear=fear.astype(float))
        seconds.append(sec)
        windows.append(win)
    return {
        "seconds": {k: np.concatenate([s[k] for s in seconds]) for k in seconds[0]},
        "windows": {k: np.concatenate([w[k] for w in windows]) for k in windows[0]},
    }


def linear_fit(y: np.ndarray, *features: np.ndarray) -> tuple[float, np.ndarray]:
    """R² and fitted values of an ordinary least-squares fit of ``y`` on ``features`` (with an intercept)."""
    x = np.column_stack([np.ones(y.size), *features])
    fitted = x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return 1.0 - float(np.var(y - fitted) / np.var(y)), fitted


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.slow
def test_colour_follows_valence_only_in_graded_looks(measured: dict) -> None:
    s = measured["seconds"]
    clear = (s["fear"] < 0.1) & (s["night"] == 0)  # no darkness on top
    graded, stylised = clear & (s["graded"] == 1), clear & (s["graded"] == 0)
    assert graded.sum() > 200 and stylised.sum() > 100
    assert corr(s["warmth"][graded], s["valence"][graded]) > 0.75
    assert abs(corr(s["warmth"][stylised], s["valence"][stylised])) < 0.2


@pytest.mark.slow
def test_music_carries_valence_and_arousal_only_while_it_plays(measured: dict) -> None:
    s, w = measured["seconds"], measured["windows"]
    playing = w["music"] == 1
    assert playing.sum() > 100 and (~playing).sum() > 50
    assert corr(w["mode"][playing], w["valence"][playing]) > 0.6  # the share of major bars
    calm = s["fear"] < 0.1
    on, off = calm & (s["music"] == 1), calm & (s["music"] == 0)
    assert corr(s["loudness"][on], s["arousal"][on]) > corr(s["loudness"][off], s["arousal"][off]) + 0.3


@pytest.mark.slow
def test_each_modality_alone_explains_less_than_both(measured: dict) -> None:
    w = measured["windows"]
    cues = {
        "valence": (("graded_warmth", "graded", "brightness"), ("mode", "music", "rumble")),
        "arousal": (("motion", "cuts", "brightness"), ("music_loudness", "music", "rumble")),
    }
    for name, (picture, sound) in cues.items():
        both = linear_fit(w[name], *(w[k] for k in (*picture, *sound)))[0]
        assert both > 0.5, name
        assert linear_fit(w[name], *(w[k] for k in picture))[0] < both - 0.03, name
        assert linear_fit(w[name], *(w[k] for k in sound))[0] < both - 0.03, name


@pytest.mark.slow
def test_emotion_persists_after_its_cue_stops(measured: dict) -> None:
    s = measured["seconds"]
    clear = (s["fear"] < 0.1) & (s["night"] == 0)
    graded = clear & (s["graded"] == 1)
    _, reading = linear_fit(s["valence"][graded], s["warmth"][graded])
    last = np.full(s["t"].size, np.nan)  # what the grade said at the latest graded second, up to 15 s ago
    last[graded] = reading
    since = np.where(graded, 0.0, np.inf)
    for i in range(1, last.size):
        if not graded[i] and s["t"][i] > s["t"][i - 1] and since[i - 1] < 15:
            last[i], since[i] = last[i - 1], since[i - 1] + 1
    after = clear & (s["graded"] == 0) & np.isfinite(last)
    assert after.sum() > 100
    assert abs(corr(s["warmth"][after], s["valence"][after])) < 0.2  # the stylised look says nothing now
    assert corr(last[after], s["valence"][after]) > 0.6  # but what the grade said before still holds


@pytest.mark.slow
def test_darkness_alone_is_ambiguous_and_the_rumble_resolves_it(measured: dict) -> None:
    from sklearn.metrics import average_precision_score

    w = measured["windows"]
    dark = -w["brightness"]
    assert (w["night"] > 0.5).sum() > 10  # dark windows without fear
    alone = average_precision_score(w["fear"], dark)
    both = average_precision_score(w["fear"], linear_fit(w["fear"], dark, w["rumble"])[1])
    assert both > alone + 0.1 and both > 0.8


@pytest.mark.slow
def test_cues_survive_encoding(micro: tuple[Path, dict]) -> None:
    out, _ = micro
    for spec in specs_of(ME):
        sec, _, _ = measure_seconds(spec)
        frames = np.stack(decode_frames(out / ME / "movies" / f"{spec.name}.mp4")).astype(np.float32) / 255.0
        shown = frames[np.round(sec["t"] * float(spec.fps)).astype(int)]
        warmth = (shown[..., 0] - shown[..., 2]).mean(axis=(1, 2))
        assert (
            corr(warmth, sec["warmth"]) > 0.95 and corr(shown.mean(axis=(1, 2, 3)), sec["brightness"]) > 0.95
        )
        audio = decode_audio(out / ME / "movies" / f"{spec.name}.mp4", sr=MEASURE_RATE)
        second = audio[: sec["t"].size * MEASURE_RATE].reshape(-1, MEASURE_RATE)
        assert corr(np.log(np.sqrt((second**2).mean(axis=1)) + 1e-4), sec["loudness"]) > 0.9


# --------------------------------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------------------------------


def frame_hashes(path: Path) -> list[str]:
    return [hashlib.sha256(f.tobytes()).hexdigest() for f in decode_frames(path)]


@pytest.mark.slow
def test_same_seed_same_files_whatever_the_workers(tmp_path: Path) -> None:
    one = generate_sample(tmp_path / "one", profile=NANO, seed=3, workers=1)
    two = generate_sample(tmp_path / "two", profile=NANO, seed=3, workers=2)
    assert one == two
    in_dirs = [str(p.relative_to(tmp_path / "one")) for m in one["movies"] for d in m.get("dirs", [])
               for p in sorted((tmp_path / "one" / d).rglob("*")) if p.is_file()]  # fmt: skip
    assert in_dirs
    for rel in [*(f for m in one["movies"] for f in m["files"]), *in_dirs]:
        a, b = tmp_path / "one" / rel, tmp_path / "two" / rel
        if rel.endswith(".mp4"):
            hashes = frame_hashes(a)
            assert len(hashes) > 0 and hashes == frame_hashes(b)
            np.testing.assert_array_equal(decode_audio(a), decode_audio(b))
        else:
            assert a.read_bytes() == b.read_bytes(), rel


def test_stale_files_of_an_earlier_sample_are_removed(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for name in ("old.txt", "kept.txt", "foreign.txt"):
        (tmp_path / "a" / name).write_text("x")
    manifest = {"generator": "emolib.synth", "movies": [{"files": ["a/old.txt", "a/kept.txt", "../evil"]}]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    _remove_stale(tmp_path, keep={"a/kept.txt"})
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["foreign.txt", "kept.txt"]


@pytest.mark.slow
def test_current_sample_is_recognised_and_a_changed_one_is_not(
    micro: tuple[Path, dict], tmp_path: Path
) -> None:
    from emolib.synth import is_current

    out, manifest = micro
    assert is_current(out, "micro", 0)
    assert not is_current(out, "micro", 1)
    assert not is_current(out, "tiny", 0)
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    assert is_current(copy, "micro", 0)
    (copy / manifest["movies"][0]["files"][-1]).unlink()
    assert not is_current(copy, "micro", 0)


def test_sample_command_skips_an_up_to_date_sample(monkeypatch, tmp_path: Path, capsys) -> None:
    import emolib.synth as synth
    from emolib.runs.cli import main

    monkeypatch.setattr(synth, "is_current", lambda out, profile, seed: True)
    monkeypatch.setattr(synth, "generate_sample", lambda *a, **k: pytest.fail("regenerated"))
    assert main(["sample", "--out", str(tmp_path)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_breath_follows_the_film_strongly_enough_to_be_learned() -> None:
    """Once a screening's straight-line trend is gone, each compound tracks its own lagged drive."""
    from emolib.datasets.vocs import detrend_screening
    from emolib.synth.breath import MASSES, lagged, simulate_screening, stimuli
    from emolib.synth.latent import sample_latent

    found: dict[str, list[float]] = {}
    for seed in range(8):
        latent = sample_latent(np.random.default_rng(seed), 1800.0)
        screening = simulate_screening(latent, 60, 1, np.random.default_rng(100 + seed))
        s = stimuli(latent, 60)
        fast = lagged(s["arousal"] + s["fear"], screening.lag)
        slow = lagged(s["arousal"], screening.lag + 1.0, spread=1.0)
        drives = {"CO2": fast, "isoprene": fast, "acetone": slow, "methanol": slow, "siloxane": fast}
        drives["ethanol"] = lagged(s["laugh"], screening.lag)
        columns = {"CO2": screening.values[:, 1]}
        columns.update({name: screening.values[:, 2 + MASSES.index(m)] for name, m in USED_MASSES.items()})
        residual = detrend_screening(pd.DataFrame(columns), 1)
        for name, drive in drives.items():
            x = residual[name].to_numpy()
            ok = ~np.isnan(x)
            if ok.sum() > 10 and drive[ok].std() > 0:
                found.setdefault(name, []).append(float(np.corrcoef(x[ok], drive[ok])[0, 1]))
    r = {name: np.mean(values) for name, values in found.items()}
    assert r["isoprene"] > 0.85 and r["acetone"] > 0.75 and r["methanol"] > 0.65 and r["ethanol"] > 0.65
    assert r["CO2"] > 0.35  # its saturating accumulation is only partly a straight line
    assert abs(r["siloxane"]) < 0.2  # the negative control: personal care, not the film


# --------------------------------------------------------------------------------------------------
# The 2018 layout and the organisers' descriptor folders of the micro sample
# --------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_2018_parts_are_read_with_exactly_the_planted_defects(micro: tuple[Path, dict]) -> None:
    import warnings

    from emolib.core.errors import DataWarning
    from emolib.datasets.descriptors import locate, read_descriptor
    from emolib.datasets.layouts import locate as locate_layouts
    from emolib.datasets.mediaeval import load_mediaeval2018

    out, manifest = micro
    assert locate_layouts(out).mediaeval2018 == (out / ME18_LAYOUT).resolve()
    specs = specs_of(ME18_LAYOUT)
    entries = {m["name"]: m for m in manifest["movies"] if m["layout"] == ME18_LAYOUT}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dev = load_mediaeval2018(out / ME18_LAYOUT, "dev")
        test = load_mediaeval2018(out / ME18_LAYOUT, "test")
        tables = [read_descriptor(s) for s in locate(out / ME18_LAYOUT)]
    assert all(w.category is DataWarning for w in caught)
    messages = "\n".join(str(w.message) for w in caught)
    assert len(caught) == 5  # a missing audio second, an empty cl file, the fc6 and jcd gaps, a short file
    assert f"MEDIAEVAL18_00-{EMPTY_CL_SECOND:05d}_cl.txt: empty file" in messages
    assert "MEDIAEVAL18_01-00010_fc6.txt: missing file: 4 seconds 10-13" in messages
    assert "MEDIAEVAL18_02_Valence-Arousal.txt: short annotation file" in messages
    assert dev.names + test.names == [s.name for s in specs]
    assert dev.movies["dev_part"].tolist() == [1, 2, 3] and test.movies["part"].tolist() == ["test"]
    for spec in specs:
        seconds = int(np.floor(spec.duration + 1e-9))
        table = (dev if spec.part != "TestSet" else test).movie_annotations(spec.name)
        kept = int(np.ceil(SHORT_SHARE * seconds)) if "short" in DEFECTS.get(spec.index, ()) else seconds
        assert (
            table["time"].tolist()
            == list(range(kept))
            == list(range(entries[spec.name]["annotated_seconds"]))
        )
        sequences = (dev if spec.part != "TestSet" else test).fear_sequences[spec.name]
        assert sequences.to_numpy().tolist() == entries[spec.name]["fear_sequences"]
    assert {t.values.shape[0] for t in tables if t.source.movie == specs[0].name} == {
        int(np.floor(specs[0].duration + 1e-9))
    }


@pytest.mark.slow
def test_descriptor_folders_have_the_real_dimensions_and_grids(micro: tuple[Path, dict]) -> None:
    from emolib.datasets.descriptors import VISUAL_DIMS, locate, read_descriptor

    out, manifest = micro
    for source in locate(out):
        table = read_descriptor(source)
        entry = next(m for m in manifest["movies"] if m["name"] == source.movie)
        width = 1582 if source.descriptor == "emobase2010" else VISUAL_DIMS[source.descriptor]
        assert table.dim == width and np.isfinite(table.values).all()
        if source.descriptor == "emobase2010" and source.edition == 2017:
            assert (table.step, table.duration, table.n_rows) == (5.0, 10.0, entry["n_windows"])
        else:
            assert (table.step, table.n_rows) == (1.0, int(np.floor(entry["duration"] + 1e-9)))
    backends = {m.get("audio_descriptors") for m in manifest["movies"] if m["layout"] != SOF}
    assert len(backends) == 1 and backends.pop() in ("numpy stand-in", f"opensmile {_opensmile_version()}")


def _opensmile_version() -> str | None:
    from emolib.features.opensmile_audio import opensmile_version

    return opensmile_version()


def test_2018_movies_come_after_everything_else_and_draw_their_own_streams() -> None:
    specs = plan("micro", 0)
    layouts = [s.layout for s in specs]
    assert layouts[-4:] == [ME18_LAYOUT] * 4 and ME18_LAYOUT not in layouts[:-4]
    assert [s.part for s in specs[-4:]] == ["DevSet-Part1", "DevSet-Part2", "DevSet-Part3", "TestSet"]
    assert [s.name for s in specs[-4:]] == [f"MEDIAEVAL18_{k:02d}" for k in range(4)]
    earlier = plan(replace(PROFILES_MICRO, me18_parts=(0, 0, 0), me18_test=0), 0)
    assert earlier == specs[:-4]
