"""Generation of a whole synthetic cinema: both layouts, a process pool, a manifest.

Every movie is an independent job whose random draws depend only on (seed, layout, index), so
the files are the same whatever the number of workers and the order in which jobs finish. Long
movies are started first to keep the workers busy. ``manifest.json`` is written last: its
presence means the sample is complete.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np

from emolib.core.atomic import write_text
from emolib.core.workers import process_pool, start_method
from emolib.features.librosa193 import FEATURE_RATE, librosa193
from emolib.synth.mediaeval import build_movie, build_test_movie
from emolib.synth.mediaeval2018 import build_movie_2018
from emolib.synth.profiles import ME18_LAYOUT, TEST_LAYOUT, MovieSpec, get_profile, plan
from emolib.synth.smelloffear import build_film

GENERATOR = "emolib.synth"
GENERATOR_VERSION = "1.6"
"""Bump whenever the same seed would give different files."""
MANIFEST = "manifest.json"


def _job(spec: MovieSpec, seed: int, out: Path, visual_2017: tuple[str, ...] = ()) -> dict:
    if spec.layout in ("mediaeval2017", TEST_LAYOUT):
        maker = build_movie if spec.layout == "mediaeval2017" else build_test_movie

        def build(s: MovieSpec, k: int, o: Path) -> dict:
            return maker(s, k, o, visual_2017)

    else:
        build = build_movie_2018 if spec.layout == ME18_LAYOUT else build_film
    entry = {
        "layout": spec.layout,
        "index": spec.index,
        "name": spec.name,
        "labelled": spec.labelled,
        "fps": spec.fps_text,
        "fps_float": float(spec.fps),
        "width": spec.width,
        "height": spec.height,
        "audio_rate": spec.audio_rate,
        "audio_channels": spec.channels,
        "duration": round(spec.duration, 6),
        "n_frames": spec.n_frames,
        "n_audio_samples": spec.n_samples,
    }
    entry.update(build(spec, seed, out))
    return entry


def _remove_stale(out: Path, keep: set[str]) -> None:
    """Delete the files (and descriptor folders) an earlier synthetic sample in ``out`` listed and this one
    does not write."""
    path = out / MANIFEST
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(old, dict) or old.get("generator") != GENERATOR:
        return
    for movie in old.get("movies", []):
        for rel in movie.get("files", []):
            if rel not in keep and not Path(rel).is_absolute() and ".." not in Path(rel).parts:
                (out / rel).unlink(missing_ok=True)
        for rel in movie.get("dirs", []):
            if rel not in keep and rel and not Path(rel).is_absolute() and ".." not in Path(rel).parts:
                shutil.rmtree(out / rel, ignore_errors=True)


def _expected_files(specs: list[MovieSpec]) -> set[str]:
    """Movie paths this sample writes (enough to spare every file that is rewritten in place)."""
    return {f"{s.layout}/movies/{s.name}.mp4" for s in specs}


def is_current(out: Path, profile: str = "tiny", seed: int = 0) -> bool:
    """Whether ``out`` already holds the complete sample of this generator version, profile and seed.

    The manifest is written last, so its presence means the run that wrote it finished; every file
    it lists must still exist.
    """
    try:
        manifest = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    expected = {"generator": GENERATOR, "version": GENERATOR_VERSION, "profile": profile, "seed": seed}
    if not isinstance(manifest, dict) or any(manifest.get(k) != v for k, v in expected.items()):
        return False
    files = [f for movie in manifest.get("movies", []) for f in movie.get("files", [])]
    dirs = [d for movie in manifest.get("movies", []) for d in movie.get("dirs", [])]
    return (
        bool(files)
        and all((Path(out) / f).is_file() for f in files)
        and all((Path(out) / d).is_dir() for d in dirs)
    )


def generate_sample(out: Path, profile: str = "tiny", seed: int = 0, workers: int | None = None) -> dict:
    """Write the synthetic cinema for a profile and seed into ``out``.

    Parameters
    ----------
    out
        Output folder (created). Files of an earlier synthetic sample there that this one does not
        rewrite are removed; nothing else is touched.
    profile
        ``"tiny"`` (CI default), ``"full"`` or ``"micro"`` (tests); see
        :data:`emolib.synth.profiles.PROFILES`.
    seed
        Non-negative seed; the same seed gives the same annotations and the same decoded frames.
    workers
        Processes rendering movies in parallel (default: all cores; 1 renders in this process).
        They are forked or spawned (:func:`emolib.core.workers.start_method`); a script that imports
        TensorFlow before calling this with several workers gets spawned ones, so it needs the usual
        ``if __name__ == "__main__":`` guard. The files are the same either way.

    Returns
    -------
    dict
        The manifest, also written to ``out/manifest.json``: generator, version, profile, seed and
        one entry per movie (layout, name, fps, size, audio format, duration, frames, files, the
        descriptor folders written wholly for it in ``dirs``, ...).
    """
    prof = get_profile(profile)
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    specs = plan(prof, seed)
    jobs = sorted(specs, key=lambda s: -s.duration)
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    visual = prof.visual_2017
    if n_workers == 1:
        results = {(s.layout, s.index): _job(s, seed, out, visual) for s in jobs}
    else:
        if start_method() == "fork" and any(s.labelled and s.screenings for s in specs):
            # import and warm librosa up once here: forked workers inherit it instead of each paying
            librosa193(np.zeros(4096, dtype=np.float32), FEATURE_RATE)
        with process_pool(n_workers) as pool:
            futures = {(s.layout, s.index): pool.submit(_job, s, seed, out, visual) for s in jobs}
            results = {key: fut.result() for key, fut in futures.items()}
    movies = [results[(s.layout, s.index)] for s in specs]
    written = {f for m in movies for f in (*m["files"], *m.get("dirs", []))}
    _remove_stale(out, written | _expected_files(specs))
    manifest = {
        "generator": GENERATOR,
        "version": GENERATOR_VERSION,
        "profile": prof.name,
        "seed": seed,
        "movies": movies,
    }
    write_text(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return manifest
