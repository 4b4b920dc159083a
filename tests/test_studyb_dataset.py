"""Study B samples: splits, the experiment plan, and a labels + audio only folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emolib.smelloffear import LABEL_NAMES
from emolib.studyb.dataset import held_out_count, load_studyb, plan_experiments, split_samples


def _sequences(lengths: dict[str, int]) -> pd.DataFrame:
    return pd.concat(
        [pd.DataFrame({"film": f, "sequence": np.arange(n), "n_film": n}) for f, n in lengths.items()],
        ignore_index=True,
    )


def _screenings(lengths: dict[str, int], screenings: dict[str, list[int]]) -> pd.DataFrame:
    parts = [
        pd.DataFrame({"film": f, "screening": k, "sequence": np.arange(n), "n_film": n})
        for f, n in lengths.items()
        for k in screenings[f]
    ]
    return pd.concat(parts, ignore_index=True)


def _disjoint_cover(split, n: int) -> None:
    parts = [set(split.train), set(split.val), set(split.test)]
    assert not (parts[0] & parts[1]) and not (parts[0] & parts[2]) and not (parts[1] & parts[2])
    assert set().union(*parts) == set(range(n))


def test_l20_holds_out_the_last_fifth_of_each_film_like_the_paper() -> None:
    paper = {"Buddy": 168, "Hobbit": 289, "Machete": 197, "Mitty": 200, "Paranormal": 150, "Tribute": 271}
    meta = _sequences(paper)
    split = split_samples(meta, "l20", val_fraction=0)
    # the paper holds out 257 sequences; its film lengths sum to 1275 (it counts 1274, hence 1017 training)
    assert split.sizes() == {"train": 1018, "val": 0, "test": 257}
    full = split_samples(meta, "l20")
    _disjoint_cover(full, len(meta))
    test = meta.iloc[full.test]
    for film, n in paper.items():
        assert sorted(test.loc[test["film"] == film, "sequence"]) == list(range(n - held_out_count(n), n))
    assert meta.iloc[full.val]["sequence"].max() < meta.iloc[full.test]["sequence"].max()
    # validation comes after training and before test inside every film
    for film in paper:
        rows = meta["film"] == film
        tr, va, te = (set(np.flatnonzero(rows)) & set(p) for p in (full.train, full.val, full.test))
        assert max(meta.loc[list(tr), "sequence"]) < min(meta.loc[list(va), "sequence"])
        assert max(meta.loc[list(va), "sequence"]) < min(meta.loc[list(te), "sequence"])


def test_oso_and_omo_hold_out_the_right_screenings_and_films() -> None:
    lengths, screenings = {"A": 10, "B": 6}, {"A": [1, 2, 3], "B": [4, 7]}
    meta = _screenings(lengths, screenings)
    for fold, expected in [(0, {("A", 1), ("B", 4)}), (1, {("A", 2), ("B", 7)}), (2, {("A", 3), ("B", 4)})]:
        split = split_samples(meta, "oso", fold)
        _disjoint_cover(split, len(meta))
        assert (
            set(map(tuple, meta.iloc[split.test][["film", "screening"]].drop_duplicates().to_numpy()))
            == expected
        )
        again = split_samples(meta, "oso", fold)
        assert np.array_equal(split.test, again.test) and np.array_equal(split.val, again.val)
    omo = split_samples(meta, "omo", fold=1)
    _disjoint_cover(omo, len(meta))
    assert set(meta.iloc[omo.test]["film"]) == {"B"} and "B" not in set(meta.iloc[omo.train]["film"])
    with pytest.raises(ValueError, match="oso"):
        split_samples(_sequences(lengths), "oso")
    with pytest.raises(ValueError, match="two films"):
        split_samples(_sequences({"A": 5}), "omo")


def test_plan_follows_what_the_folder_holds() -> None:
    names = lambda plan: [e.name for e in plan]  # noqa: E731
    assert names(plan_experiments({"audio": True, "video": False, "vocs": False})) == ["audio_labels"]
    assert names(plan_experiments({"audio": True, "video": False, "vocs": True})) == [
        "audio_labels",
        "audio_vocs",
    ]
    full = {"audio": True, "video": True, "vocs": True}
    assert names(plan_experiments(full, "video")) == ["video_labels", "video_vocs"]
    oso = plan_experiments(full, "all", "oso")
    assert [e.split for e in oso] == ["l20", "oso", "l20", "oso"] and oso[0].note
    with pytest.raises(ValueError):
        plan_experiments(full, "smell")


def _write_release(root: Path, lengths: dict[str, int], seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    (root / "labels").mkdir(parents=True)
    (root / "audio").mkdir()
    for i, (film, n) in enumerate(lengths.items()):
        matrix = (rng.random((len(LABEL_NAMES), n)) < 0.1).astype(int)
        matrix[0] = 1  # suspense everywhere: always kept
        (root / "labels" / f"{film}.csv").write_text("\n".join(",".join(map(str, r)) for r in matrix) + "\n")
        np.save(root / "audio" / f"{film}.npy", rng.random((n + (i % 2), 193)))


def test_labels_and_audio_only_folder_runs_the_audio_label_experiment(tmp_path: Path) -> None:
    _write_release(tmp_path, {"Alpha": 12, "Beta": 9})
    data = load_studyb(tmp_path)
    assert data.available == {"audio": True, "video": False, "vocs": False}
    assert data.frames is None and len(data.screenings) == 0
    assert list(data.sequences.groupby("film").size()) == [12, 9]  # audio's extra row truncated
    assert "suspense" in data.kept and data.labels.shape == (21, len(data.kept))
    assert [e.name for e in plan_experiments(data.available)] == ["audio_labels"]
