"""Movie streams cut into chunks for stateful, movie-parallel training (pure numpy).

A batch has ``B`` rows. Each row carries the steps of its movies one after the other, so the LSTM
state of a row flows from one chunk of ``T`` steps to the next (truncated back-propagation through
time over chunks) and ``B`` movies advance in parallel. Each movie starts on a chunk boundary: its
last chunk is padded (with zeros, weight 0) up to ``T`` steps, so at most ``T - 1`` padded steps
per movie are computed and never scored. ``reset[b]`` is true when row ``b`` starts a new movie at
this chunk: the model then zeroes that row's state before the chunk, so no movie ever sees the
state left by another. A row that has run out of movies is padded to the end of the epoch.

Movies are dealt to rows longest first, each to the row with the least work so far, so rows end at
about the same time; the order is shuffled per epoch when a random generator is given.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Chunk", "Slot", "assign_rows", "iter_chunks", "n_chunks", "scatter_predictions", "window_batches"]


@dataclass(frozen=True)
class Slot:
    """Where a piece of one movie sits in a chunk: row ``row``, steps ``[0, length)`` of the chunk."""

    row: int
    movie: str
    start: int
    """First step of the movie held in this slot."""
    length: int
    """Real (unpadded) steps of the movie in this slot."""


@dataclass(frozen=True)
class Chunk:
    """One batch of ``T`` steps for ``B`` rows.

    Attributes
    ----------
    x : numpy.ndarray
        float32 ``(B, T, d)`` features (zeros on padding).
    y : numpy.ndarray or None
        float32 ``(B, T, k)`` targets, when targets were given.
    weight : numpy.ndarray
        float32 ``(B, T)``: 1 on real steps, 0 on padding (times any per-step weights given).
    reset : numpy.ndarray
        bool ``(B,)``: zero the state of these rows before this chunk.
    slots : tuple of Slot
        The movie pieces in the chunk, to put predictions back.
    """

    x: NDArray[np.float32]
    y: NDArray[np.float32] | None
    weight: NDArray[np.float32]
    reset: NDArray[np.bool_]
    slots: tuple[Slot, ...]


def n_chunks(length: int, chunk: int) -> int:
    """Chunks a movie of ``length`` steps occupies (``ceil(length / chunk)``)."""
    return -(-int(length) // int(chunk))


def assign_rows(
    lengths: Mapping[str, int], n_rows: int, chunk: int, rng: np.random.Generator | None = None
) -> list[list[str]]:
    """Deal movies to ``n_rows`` rows, balancing the chunks per row.

    Parameters
    ----------
    lengths
        Movie name to its number of steps.
    n_rows
        Rows of the batch.
    chunk
        Steps per chunk.
    rng
        If given, ties and the order of movies within each row are shuffled (a new order per epoch).

    Returns
    -------
    list of list of str
        The movies of each row, in the order the row plays them.
    """
    if n_rows < 1 or chunk < 1:
        raise ValueError("n_rows and chunk must be positive")
    names = sorted(lengths)
    if rng is not None:
        names = [names[i] for i in rng.permutation(len(names))]
    names.sort(key=lambda m: -n_chunks(lengths[m], chunk))  # stable: shuffled ties stay shuffled
    rows: list[list[str]] = [[] for _ in range(n_rows)]
    load = np.zeros(n_rows, dtype=np.int64)
    for name in names:
        r = int(np.argmin(load))
        rows[r].append(name)
        load[r] += n_chunks(lengths[name], chunk)
    if rng is not None:
        for row in rows:
            rng.shuffle(row)
    return rows


def iter_chunks(
    features: Mapping[str, NDArray[np.floating]],
    chunk: int,
    n_rows: int,
    targets: Mapping[str, NDArray[np.floating]] | None = None,
    step_weights: Mapping[str, NDArray[np.floating]] | None = None,
    rng: np.random.Generator | None = None,
) -> Iterator[Chunk]:
    """Stream the movies as chunks of ``chunk`` steps over ``n_rows`` parallel rows.

    Parameters
    ----------
    features
        Movie name to ``(n_steps, d)`` features.
    chunk
        Steps per chunk (``T``).
    n_rows
        Rows per batch (``B``); fixed, as a stateful model needs a fixed batch size.
    targets
        Movie name to ``(n_steps, k)`` targets (same lengths as the features).
    step_weights
        Movie name to ``(n_steps,)`` loss weights (e.g. class weights); default 1.
    rng
        Shuffles the assignment of movies to rows (pass a new draw per epoch).

    Yields
    ------
    Chunk
        In stream order; every real step of every movie appears in exactly one chunk.
    """
    lengths = {m: int(np.asarray(f).shape[0]) for m, f in features.items()}
    if any(v == 0 for v in lengths.values()):
        raise ValueError("a movie has no steps")
    d = int(next(iter(features.values())).shape[1])
    k = int(next(iter(targets.values())).reshape(lengths[next(iter(targets))], -1).shape[1]) if targets else 0
    rows = assign_rows(lengths, n_rows, chunk, rng)
    # Per row: list of (movie, chunk index within the movie) in play order.
    plan = [[(m, c) for m in row for c in range(n_chunks(lengths[m], chunk))] for row in rows]
    total = max((len(p) for p in plan), default=0)
    for t in range(total):
        x = np.zeros((n_rows, chunk, d), dtype=np.float32)
        y = np.zeros((n_rows, chunk, k), dtype=np.float32) if targets else None
        w = np.zeros((n_rows, chunk), dtype=np.float32)
        reset = np.zeros(n_rows, dtype=bool)
        slots = []
        for b, row_plan in enumerate(plan):
            if t >= len(row_plan):
                reset[b] = True  # an idle row: keep its state clean
                continue
            movie, c = row_plan[t]
            start = c * chunk
            stop = min(start + chunk, lengths[movie])
            n = stop - start
            x[b, :n] = features[movie][start:stop]
            if targets is not None and y is not None:
                y[b, :n] = np.asarray(targets[movie]).reshape(lengths[movie], -1)[start:stop]
            w[b, :n] = 1.0 if step_weights is None else step_weights[movie][start:stop]
            reset[b] = c == 0
            slots.append(Slot(b, movie, start, n))
        yield Chunk(x, y, w, reset, tuple(slots))


def scatter_predictions(
    chunks_and_outputs: Sequence[tuple[Chunk, NDArray[np.floating]]], lengths: Mapping[str, int]
) -> dict[str, NDArray[np.float64]]:
    """Put per-chunk outputs ``(B, T, k)`` back into per-movie ``(n_steps, k)`` arrays."""
    out: dict[str, NDArray[np.float64]] = {}
    for chunk, pred in chunks_and_outputs:
        pred = np.asarray(pred, dtype=np.float64)
        for s in chunk.slots:
            if s.movie not in out:
                out[s.movie] = np.full((lengths[s.movie], pred.shape[-1]), np.nan)
            out[s.movie][s.start : s.start + s.length] = pred[s.row, : s.length]
    missing = [m for m in lengths if m not in out or np.isnan(out[m]).any()]
    if missing:
        raise ValueError(f"steps without prediction in {', '.join(missing)}")
    return out


def window_batches(
    features: Mapping[str, NDArray[np.floating]],
    targets: Mapping[str, NDArray[np.floating]],
    chunk: int,
    batch_size: int,
    rng: np.random.Generator,
    step_weights: Mapping[str, NDArray[np.floating]] | None = None,
) -> Iterator[tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]]:
    """Shuffled windows of ``chunk`` steps for the stateless variant: ``(x, y, weight)`` batches.

    Every movie is cut into consecutive windows (the last one padded, weight 0), all windows of all
    movies are shuffled together, and each window starts from a zero state: the network sees no
    more than ``chunk`` steps of context, as in the thesis's stateless experiment.
    """
    pieces = list(iter_chunks(features, chunk, 1, targets, step_weights))
    order = rng.permutation(len(pieces))
    for i in range(0, len(order), batch_size):
        sel = [pieces[j] for j in order[i : i + batch_size]]
        x = np.concatenate([p.x for p in sel])
        y = np.concatenate([p.y for p in sel if p.y is not None])
        w = np.concatenate([p.weight for p in sel])
        yield x, y, w
