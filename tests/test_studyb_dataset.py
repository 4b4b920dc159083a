"""Study B samples: splits, the experiment plan, a labels + audio only folder, compounds and their lag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emolib.datasets.smelloffear import LABEL_NAMES
from emolib.studyb.dataset import (
    VocSeries,
    held_out_count,
    load_studyb,
    plan_experiments,
    screening_samples,
    split_samples,
)


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
    assert [e.head for e in oso] == ["", "", "paper", "paper"]  # the paper's head unless asked
    with pytest.raises(ValueError):
        plan_experiments(full, "smell")


def test_plan_runs_each_video_head_and_names_the_first_as_the_main_one() -> None:
    full = {"audio": True, "video": True, "vocs": True}
    plan = plan_experiments(full, "all", "l20", heads=["pooled", "paper"])
    assert [(e.name, e.head) for e in plan] == [
        ("audio_labels", ""),
        ("audio_vocs", ""),
        ("video_labels", "pooled"),
        ("video_labels_paper", "paper"),
        ("video_vocs", "pooled"),
        ("video_vocs_paper", "paper"),
    ]
    for bad in ([], ["flat"], ["paper", "paper"]):
        with pytest.raises(ValueError):
            plan_experiments(full, "all", "l20", heads=bad)


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


VOC_HEADER = ["time", "CO2", "m33.0335", "m46.0653", "m58.0756", "m70.0766", "m374.0818"]


def _write_vocs(root: Path, screenings: dict[str, int], lag: int, seed: int = 0) -> None:
    """Screenings whose compounds answer audio feature 0 ``lag`` sequences late, over a rising trend.

    Needs the audio tables of :func:`_write_release`. Row ``t`` of every compound is a trend
    (``5 t``, the room filling up) plus ``feature0[t - lag]`` plus a little noise, scaled by the
    audience; one cell is missing.
    """
    rng = np.random.default_rng(seed)
    (root / "vocs").mkdir(exist_ok=True)
    for film, count in screenings.items():
        drive = np.load(root / "audio" / f"{film}.npy")[:, 0]
        n = len(drive)
        for k in range(1, count + 1):
            t = np.arange(n)
            response = np.concatenate([np.full(lag, drive[0]), drive])[:n]
            audience = rng.uniform(0.5, 2.0)
            columns = [
                audience * (1.0 + 0.05 * t + response + 0.01 * rng.standard_normal(n)) for _ in range(6)
            ]
            lines = [f"@relation {film}_{k}", *(f"@attribute {a} numeric" for a in VOC_HEADER), "@data"]
            for i in range(n):
                cells = [str(30 * i), *(f"{c[i]:.6f}" for c in columns)]
                lines.append(",".join("?" if (i, j) == (1, 3) else x for j, x in enumerate(cells)))
            (root / "vocs" / f"{k}_{film}.arff").write_text("\n".join(lines) + "\n")


def test_screening_samples_pair_each_measurement_with_the_input_lag_sequences_earlier() -> None:
    sequences = _sequences({"A": 6, "B": 5})
    # the compounds of row t hold t (A) or 100 + t (B): the screening of B has one row more
    series = [
        VocSeries("A", 1, np.tile(np.arange(6, dtype=np.float32)[:, None], (1, 6))),
        VocSeries("B", 3, np.tile(100 + np.arange(6, dtype=np.float32)[:, None], (1, 6))),
        VocSeries("C", 1, np.zeros((4, 6), np.float32)),  # a film without inputs: skipped
    ]
    for lag in (0, 2):
        meta, y = screening_samples(sequences, series, lag)
        assert meta["film"].tolist() == ["A"] * (6 - lag) + ["B"] * (5 - lag)
        measured = np.where(meta["film"] == "B", y[:, 0] - 100, y[:, 0])
        np.testing.assert_array_equal(measured, meta["sequence"])  # sequence = time of the measurement
        inputs = sequences.iloc[meta["row"]]
        assert (inputs["film"].to_numpy() == meta["film"].to_numpy()).all()
        np.testing.assert_array_equal(inputs["sequence"], meta["sequence"] - lag)  # the scene lag earlier
        test = meta.iloc[split_samples(meta, "l20").test]
        assert test[["film", "sequence"]].values.tolist() == [["A", 4], ["A", 5], ["B", 4]]  # any lag
    with pytest.raises(ValueError, match="non-negative"):
        screening_samples(sequences, series, -1)


def test_vocs_are_detrended_on_request_and_relagged_without_copying_inputs(tmp_path: Path) -> None:
    _write_release(tmp_path, {"Alpha": 30, "Beta": 28})
    _write_vocs(tmp_path, {"Alpha": 2, "Beta": 3}, lag=2)
    plain = load_studyb(tmp_path)
    data = load_studyb(tmp_path, voc_detrend=1)
    assert data.available == {"audio": True, "video": False, "vocs": True}
    assert len(data.voc_series) == 5 and data.voc_lag == 0 and data.voc_detrend == 1
    assert data.vocs.shape == (2 * 30 + 3 * 28, 6) and not np.isnan(data.vocs).any()
    # plain min-max: the trend wins and the end of the screening is high; detrended: it is not
    late = data.screenings["sequence"].to_numpy() >= 24
    assert plain.vocs[late].mean() > 0.75 and abs(data.vocs[late].mean() - data.vocs[~late].mean()) < 0.15

    def response(d: object) -> float:
        x = d.audio[d.screenings["row"].to_numpy(), 0]
        return float(np.corrcoef(x, d.vocs[:, 4])[0, 1])

    lagged = {lag: data.with_voc_lag(lag) for lag in (0, 1, 2, 3)}
    assert lagged[0] is data and lagged[2].audio is data.audio and lagged[2].voc_lag == 2
    assert len(lagged[2].screenings) == len(data.screenings) - 2 * 5
    correlations = {lag: response(d) for lag, d in lagged.items()}
    assert max(correlations, key=correlations.get) == 2 and correlations[2] > 0.95 > 0.5 > correlations[0]
