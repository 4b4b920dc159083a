"""Movie-level folds: disjoint roles, deterministic, every movie tested once, small sets."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from emolib.studya.folds import fold_table, get_fold, make_folds

MOVIES = [f"movie_{i:02d}" for i in range(30)]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(3, 30), data=st.data())
def test_roles_are_disjoint_and_cover_every_movie(n: int, data: st.DataObject) -> None:
    movies = MOVIES[:n]
    n_folds = data.draw(st.integers(2, n))
    assume(-(-n // n_folds) <= n - 2)  # the largest test group leaves a validation and a training movie
    folds = make_folds(movies, n_folds, seed=data.draw(st.integers(0, 5)))
    assert len(folds) == n_folds
    tested = []
    for f in folds:
        roles = [set(f.train), set(f.val), set(f.test)]
        assert all(roles), "every role holds at least one movie"
        assert not (roles[0] & roles[1] or roles[0] & roles[2] or roles[1] & roles[2])
        assert roles[0] | roles[1] | roles[2] == set(movies)
        tested += f.test
    assert sorted(tested) == sorted(movies)  # each movie is the test movie of exactly one fold


def test_folds_are_deterministic_and_ignore_input_order() -> None:
    a = make_folds(MOVIES, 5, seed=3)
    assert a == make_folds(list(reversed(MOVIES)), 5, seed=3)
    assert a != make_folds(MOVIES, 5, seed=4)


def test_thesis_split_27_2_1() -> None:
    for f in make_folds(MOVIES, 30, seed=0):
        assert (len(f.train), len(f.val), len(f.test)) == (27, 2, 1)


def test_small_sets() -> None:
    four = ["a", "b", "c", "d"]
    for f in make_folds(four, 4):
        assert (len(f.train), len(f.val), len(f.test)) == (2, 1, 1)
    f = get_fold(["a", "b", "c"], 2, 3)
    assert (len(f.train), len(f.val), len(f.test)) == (1, 1, 1)
    assert len(make_folds(four, 1)[0].test) == 1
    with pytest.raises(ValueError, match="at least 3"):
        make_folds(["a", "b"], 2)
    with pytest.raises(ValueError, match="n_folds"):
        make_folds(four, 5)
    with pytest.raises(ValueError, match="none to train"):
        make_folds(four, 4, n_val=3)
    with pytest.raises(ValueError, match="none to train"):
        make_folds(["a", "b", "c"], 2)  # a test group of 2 leaves one movie for validation and training
    with pytest.raises(IndexError):
        get_fold(four, 4, 4)


def test_fold_table_names_each_role() -> None:
    table = fold_table(make_folds(["a", "b", "c", "d"], 4))
    assert table.shape == (4, 4)
    assert (table == "test").sum().tolist() == [1, 1, 1, 1]
    assert (table == "test").sum(axis=1).tolist() == [1, 1, 1, 1]
