"""Figure of the latent model: ``python -m emolib.synth.figure data/latent_model.png``.

Draws, for one movie of the ``tiny`` profile, the latent curves with its scenes, shocks and
window annotations, the cues they are planted through and when each is present (colour warmth and
brightness in graded looks, night scenes; shape speed and cuts; the mode, tempo and loudness of the
music while it plays, stingers), and a strip of frames.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from emolib.core.atomic import atomic_path  # noqa: E402
from emolib.synth.audio import music_gain, plan_score, tempo_bpm  # noqa: E402
from emolib.synth.latent import SCENES  # noqa: E402
from emolib.synth.mediaeval import window_annotations  # noqa: E402
from emolib.synth.movie import movie_cues, movie_latent  # noqa: E402
from emolib.synth.profiles import plan  # noqa: E402
from emolib.synth.seeding import stream  # noqa: E402
from emolib.synth.video import plan_shots, render_batch  # noqa: E402

_SCENE_COLOURS = plt.get_cmap("tab10")(np.arange(len(SCENES)))


def draw(path: Path, seed: int = 0, movie: int = 1, dpi: int = 80) -> Path:
    """Draw the figure for MediaEval movie ``movie`` of the tiny profile into ``path`` (PNG, atomic)."""
    spec = [s for s in plan("tiny", seed) if s.layout == "mediaeval2017"][movie]
    latent = movie_latent(spec, seed)
    cues = movie_cues(spec, seed, latent)
    board = plan_shots(latent, cues, stream(seed, spec.layout, spec.index, "video"))
    score = plan_score(latent, cues, stream(seed, spec.layout, spec.index, "audio"))
    starts, valence, arousal, fear = window_annotations(
        latent, stream(seed, spec.layout, spec.index, "annotation")
    )
    t = np.arange(0.0, latent.duration, 0.5)
    frames = render_batch(latent, board, t, spec.width, spec.height).astype(np.float32)
    warmth = (frames[..., 0].mean(axis=(1, 2)) - frames[..., 2].mean(axis=(1, 2))) / 255.0
    brightness = frames.mean(axis=(1, 2, 3)) / 255.0

    fig, axes = plt.subplots(4, 1, figsize=(10, 9), gridspec_kw={"height_ratios": [3, 2, 2, 1.6]})
    ax = axes[0]
    ends = np.append(latent.scene_starts[1:], latent.duration)
    for start, end, code in zip(latent.scene_starts, ends, latent.scene_codes, strict=True):
        ax.axvspan(start, end, color=_SCENE_COLOURS[code], alpha=0.18, lw=0)
        ax.text((start + end) / 2, 1.12, SCENES[code], ha="center", fontsize=7)
    ax.plot(latent.t, latent.valence, color="tab:orange", label="valence")
    ax.plot(latent.t, latent.arousal, color="tab:red", label="arousal")
    ax.fill_between(latent.t, 0, latent.fear, color="k", alpha=0.25, label="fear (latent)")
    ax.plot(starts + 5, valence, ".", color="tab:orange", ms=4, label="annotated window valence")
    ax.plot(starts + 5, arousal, ".", color="tab:red", ms=4, label="annotated window arousal")
    ax.fill_between(
        starts + 5, -1.25, -1.25 + 0.15 * fear, step="mid", color="k", label="annotated fear windows"
    )
    ax.vlines(latent.shocks, -1.2, -1.05, color="k", lw=2, label="shocks")
    ax.set_ylim(-1.25, 1.25)
    ax.set_ylabel("latent")
    ax.set_title(
        f"Synthetic movie {spec.name} (tiny profile, seed {seed}): latent curves, cues and their presence",
        fontsize=10,
    )
    ax.legend(fontsize=7, ncol=4, loc="lower left", bbox_to_anchor=(0, 1.12))

    shot = np.searchsorted(board.cuts, t, side="right") - 1
    ax = axes[1]
    _shade(ax, t, board.graded[shot], "tab:orange", "graded look (colour follows valence)")
    _shade(ax, t, board.night[shot], "navy", "night scene (dark, no fear)")
    ax.plot(t, warmth, color="tab:orange", label="frame warmth (mean R - B)")
    ax.plot(t, brightness, color="tab:gray", label="frame brightness")
    speed = board.phase[1:] - board.phase[:-1]
    ax.plot(latent.t[1:], speed / speed.max(), color="tab:red", lw=0.8, label="shape speed (relative)")
    ax.vlines(board.cuts, -0.1, 0.0, color="k", lw=0.6, label="cuts")
    ax.set_ylabel("picture")
    ax.legend(fontsize=7, loc="upper right", ncol=3)

    ax = axes[2]
    music = cues.music_at(t)
    _shade(ax, t, music, "tab:purple", "music plays")
    bars = score.beats[:-1][::4]
    heard = cues.music_level(bars) > 0
    ax.plot(bars[heard], np.where(score.major[::4], 0.95, 0.05)[heard], "|", color="tab:green", ms=6,
            label="bar mode (top: major)")  # fmt: skip
    a = latent.at(t, "arousal")
    level = cues.music_level(t) * music_gain(a) / music_gain(1.0)
    ax.plot(
        t,
        np.where(music, tempo_bpm(a) / tempo_bpm(1.0), np.nan),
        color="tab:purple",
        label="tempo (relative)",
    )
    ax.plot(t, level, color="tab:blue", label="music loudness (relative)")
    ax.vlines(cues.stingers, -0.1, 0.0, color="tab:red", lw=2, label="stingers")
    ax.set_ylabel("sound")
    ax.set_xlabel("time (s)")
    ax.legend(fontsize=7, loc="upper right", ncol=3)
    for ax in axes[:3]:
        ax.set_xlim(0, latent.duration)

    ax = axes[3]
    picks = np.linspace(0, t.size - 1, 8).astype(int)
    strip = np.concatenate(
        [np.pad(frames[i] / 255.0, ((0, 0), (0, 6), (0, 0)), constant_values=1.0) for i in picks], 1
    )
    ax.imshow(strip)
    ax.set_xticks([(k + 0.5) * (spec.width + 6) for k in range(picks.size)], [f"{t[i]:.0f} s" for i in picks])
    ax.set_yticks([])
    ax.set_title("frames", fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    plt.close(fig)
    return Path(path)


def _shade(ax: plt.Axes, t: np.ndarray, on: np.ndarray, colour: str, label: str) -> None:
    """Shade the stretches of ``t`` where ``on`` holds."""
    ax.fill_between(
        t, -0.1, 1.1, where=np.asarray(on, bool), color=colour, alpha=0.12, lw=0, step="mid", label=label
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m emolib.synth.figure OUT.png [--seed N] [--movie I]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--movie", type=int, default=1, help="index of the tiny MediaEval movie")
    args = parser.parse_args(argv)
    draw(args.out, seed=args.seed, movie=args.movie)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
