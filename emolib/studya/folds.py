"""Movie-level cross-validation folds: every window of a movie is in one role only.

The thesis trained on 27 movies, validated on 2 and tested on 1, and repeated that over folds.
:func:`make_folds` shuffles the movie names with a seed (so folds do not depend on the order files
were found in), splits them into ``n_folds`` test groups as equal as possible, and takes the
validation movies of a fold from the movies that follow its test group in the shuffled order; all
other movies train. With as many folds as movies, every movie is the test movie exactly once
(leave-one-movie-out). Windows of one movie are strongly correlated, so a split by window rather
than by movie would leak.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TEST_SET_FOLD", "Fold", "fold_table", "get_fold", "make_folds", "protocol_split", "split_table"]

TEST_SET_FOLD = -1
"""``index`` of the split of a test-set run (every development movie trains or validates)."""


@dataclass(frozen=True)
class Fold:
    """One fold: disjoint train, validation and test movies (each tuple sorted)."""

    index: int
    train: tuple[str, ...]
    val: tuple[str, ...]
    test: tuple[str, ...]

    def role(self, movie: str) -> str:
        """``"train"``, ``"val"`` or ``"test"``; ``KeyError`` for a movie outside the fold."""
        for name in ("train", "val", "test"):
            if movie in getattr(self, name):
                return name
        raise KeyError(movie)

    def as_dict(self) -> dict[str, object]:
        """Plain form for JSON."""
        return {
            "index": self.index,
            "train": list(self.train),
            "val": list(self.val),
            "test": list(self.test),
        }


def default_n_val(n_movies: int, n_test: int) -> int:
    """Validation movies per fold: the thesis's 2 of 30 (about 7 %), at least 1, leaving 2 to train."""
    wanted = max(1, round(n_movies * 2 / 30))
    return max(1, min(wanted, n_movies - n_test - 2))


def make_folds(movies: Sequence[str], n_folds: int, seed: int = 0, n_val: int | None = None) -> list[Fold]:
    """Split movies into ``n_folds`` folds of train, validation and test movies.

    Parameters
    ----------
    movies
        Movie names (order does not matter; duplicates are an error).
    n_folds
        Number of folds, from 1 to the number of movies. Test groups partition the movies when
        ``n_folds >= 2``; with ``n_folds = 1`` one group of about 10 % of the movies is tested.
    seed
        Seed of the shuffle; the same movies, folds and seed always give the same folds.
    n_val
        Validation movies per fold (default :func:`default_n_val`).

    Returns
    -------
    list of Fold
        ``n_folds`` folds, in index order.

    Raises
    ------
    ValueError
        With fewer than 3 movies, duplicate names, ``n_folds`` out of range, or a split that leaves
        no training movie.
    """
    names = sorted(movies)
    if len(set(names)) != len(names):
        raise ValueError("duplicate movie names")
    n = len(names)
    if n < 3:
        raise ValueError(f"need at least 3 movies (train, validation, test), got {n}")
    if not 1 <= n_folds <= n:
        raise ValueError(f"n_folds must be between 1 and the number of movies ({n}), got {n_folds}")
    order = [names[i] for i in np.random.default_rng(seed).permutation(n)]
    if n_folds == 1:
        groups = [order[: max(1, round(n / 10))]]
    else:
        groups = [list(g) for g in np.array_split(np.array(order, dtype=object), n_folds)]
    folds = []
    for k, test in enumerate(groups):
        rest = order[order.index(test[-1]) + 1 :] + order[: order.index(test[0])]
        n_v = default_n_val(n, len(test)) if n_val is None else int(n_val)
        if n_v < 1 or len(rest) - n_v < 1:
            raise ValueError(f"fold {k}: {len(test)} test and {n_v} validation movies leave none to train")
        val = rest[:n_v]
        train = rest[n_v:]
        folds.append(Fold(k, tuple(sorted(train)), tuple(sorted(val)), tuple(sorted(test))))
    return folds


def get_fold(movies: Sequence[str], fold: int, n_folds: int, seed: int = 0, n_val: int | None = None) -> Fold:
    """The fold ``fold`` of :func:`make_folds` (``IndexError`` if out of range)."""
    folds = make_folds(movies, n_folds, seed, n_val)
    if not 0 <= fold < len(folds):
        raise IndexError(f"fold {fold} out of range 0..{len(folds) - 1}")
    return folds[fold]


def protocol_split(
    movies: Sequence[str], test: Sequence[str], seed: int = 0, n_val: int | None = None
) -> Fold:
    """The split of a test-set run: every development movie trains, but for a few that validate.

    Parameters
    ----------
    movies
        The development movies (order does not matter; duplicates are an error).
    test
        The test movies (of another folder: they may share names with development movies).
    seed
        Seed of the shuffle that picks the validation movies.
    n_val
        Validation movies (default :func:`default_n_val` with no test movie among the development ones).

    Returns
    -------
    Fold
        Index :data:`TEST_SET_FOLD`; ``train`` and ``val`` partition ``movies``, ``test`` is ``test``.

    Raises
    ------
    ValueError
        With fewer than 2 development movies, duplicate names, no test movie, or a ``n_val`` that
        leaves no movie to train.
    """
    names = sorted(movies)
    if len(set(names)) != len(names):
        raise ValueError("duplicate movie names")
    if len(names) < 2:
        raise ValueError(f"need at least 2 development movies (train, validation), got {len(names)}")
    if not test:
        raise ValueError("no test movie")
    n_v = default_n_val(len(names), 0) if n_val is None else int(n_val)
    if n_v < 1 or len(names) - n_v < 1:
        raise ValueError(f"{n_v} validation movies of {len(names)} leave none to train (or none validates)")
    order = [names[i] for i in np.random.default_rng(seed).permutation(len(names))]
    val, train = order[:n_v], order[n_v:]
    return Fold(TEST_SET_FOLD, tuple(sorted(train)), tuple(sorted(val)), tuple(sorted(test)))


def split_table(split: Fold) -> pd.DataFrame:
    """One row per movie of a run's split: its ``set`` (development or test) and its ``role``.

    Unlike :func:`fold_table`, this tells a test movie from a development movie of the same name
    (a test folder in the development layout may reuse the names).
    """
    rows = [("development", role, m) for role in ("train", "val") for m in getattr(split, role)]
    rows += [("development" if split.index != TEST_SET_FOLD else "test", "test", m) for m in split.test]
    return pd.DataFrame(rows, columns=["set", "role", "movie"]).set_index("movie")


def fold_table(folds: Sequence[Fold]) -> pd.DataFrame:
    """One row per movie and one column per fold, holding the movie's role in that fold."""
    movies = sorted({m for f in folds for m in (*f.train, *f.val, *f.test)})
    return pd.DataFrame({f"fold {f.index}": [f.role(m) for m in movies] for f in folds}, index=movies)
