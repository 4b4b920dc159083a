"""Smell of Fear: labels, the kept-label rule, VOC screenings (scaling, filling), audio, the loader."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from emolib.core.errors import DataError
from emolib.datasets import smelloffear as sof
from emolib.datasets import vocs
from emolib.datasets.arff import ArffAttribute

# Column index in the transposed file -> name, for the 13 labels the study kept (formats.md).
KEPT_BY_STUDY = {
    0: "suspense", 4: "comedy", 14: "drama", 15: "everyday life", 16: "dream", 17: "landscape",
    18: "conversation", 21: "conversation main actor", 23: "action", 24: "death", 28: "running",
    33: "blood (violence)", 41: "sudden shock",
}  # fmt: skip


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def matrix_text(matrix: np.ndarray) -> str:
    return "".join(",".join(str(int(v)) for v in row) + "\n" for row in matrix)


def random_labels(n_sequences: int, seed: int = 0) -> np.ndarray:
    """A 42 x n_sequences 0/1 matrix, as in labels/<Film>.csv."""
    return (np.random.default_rng(seed).random((42, n_sequences)) < 0.2).astype(np.int64)


def write_labels(root: Path, film: str, matrix: np.ndarray, transposed: bool = False) -> Path:
    path = write(root / "labels" / f"{film}.csv", matrix_text(matrix))
    if transposed:
        write(root / "labels" / f"{film}_transposed.csv", matrix_text(matrix.T))
    return path


def assert_names(excinfo: pytest.ExceptionInfo[DataError], name: str, line: int | None = None) -> None:
    assert name in str(excinfo.value)
    if line is not None:
        assert f"{name}:{line}:" in str(excinfo.value)
        assert excinfo.value.line == line


# --------------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------------


def test_label_names_follow_table_one_and_the_kept_indices() -> None:
    assert len(sof.LABEL_NAMES) == 42 and len(set(sof.LABEL_NAMES)) == 42
    for index, name in KEPT_BY_STUDY.items():
        assert sof.LABEL_NAMES[index] == name
    assert sof.LABEL_NAMES[1:4] == ("chase", "hidden threat", "hiding")
    assert sof.LABEL_NAMES[36:39] == ("crying", "main character cries", "other character cries")


def test_read_labels_transposes_to_sequences_by_labels(tmp_path: Path) -> None:
    matrix = random_labels(7)
    table = sof.read_labels(write_labels(tmp_path, "Buddy", matrix, transposed=True))
    assert table.shape == (7, 42)
    assert table.columns.tolist() == list(sof.LABEL_NAMES)
    assert table.index.name == "sequence"
    assert table.dtypes.unique().tolist() == [np.dtype(np.int64)]
    np.testing.assert_array_equal(table.to_numpy(), matrix.T)


def test_read_labels_accepts_float_spelling_of_zero_and_one(tmp_path: Path) -> None:
    text = "".join("1.0, 0\n" if i == 5 else "0,0.0\n" for i in range(42))
    table = sof.read_labels(write(tmp_path / "labels" / "F.csv", text))
    assert table["romantic comedy"].tolist() == [1, 0]
    assert table.drop(columns="romantic comedy").sum().sum() == 0


LABEL_ERRORS = [
    ("41 rows", "0,1\n" * 41, None, "41 rows, expected 42"),
    ("43 rows", "0,1\n" * 43, 43, "43 rows, expected 42"),
    ("value 2", "0,1\n" * 10 + "0,2\n" + "0,1\n" * 31, 11, "'2' in column 2 is not 0 or 1"),
    ("header line", "s1,s2\n" + "0,1\n" * 42, 1, "no header"),
    ("ragged row", "0,1\n" * 3 + "0,1,1\n" + "0,1\n" * 38, 4, "3 values where line 1 has 2"),
    ("blank line", "0,1\n" * 3 + "\n" + "0,1\n" * 39, 4, "blank line"),
    ("empty value", "0,\n" + "0,1\n" * 41, 1, "'' in column 2"),
    ("semicolons", "0;1\n" * 42, 1, "'0;1' in column 1"),
    ("empty file", "", None, "empty file"),
]


@pytest.mark.parametrize(("case", "text", "line", "words"), LABEL_ERRORS, ids=[c[0] for c in LABEL_ERRORS])
def test_bad_label_file(tmp_path: Path, case: str, text: str, line: int | None, words: str) -> None:
    path = write(tmp_path / "labels" / "Mitty.csv", text)
    with pytest.raises(DataError, match=re.escape(words)) as excinfo:
        sof.read_labels(path)
    assert_names(excinfo, "Mitty.csv", line)


def test_missing_label_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found") as excinfo:
        sof.read_labels(tmp_path / "labels" / "Nope.csv")
    assert_names(excinfo, "Nope.csv")


def test_transposed_file_that_disagrees_names_both(tmp_path: Path) -> None:
    matrix = random_labels(5)
    path = write_labels(tmp_path, "Tribute", matrix)
    wrong = matrix.T.copy()
    wrong[3, 24] = 1 - wrong[3, 24]
    write(tmp_path / "labels" / "Tribute_transposed.csv", matrix_text(wrong))
    with pytest.raises(DataError, match=r"sequence 3, label 24 \(death\)") as excinfo:
        sof.read_labels(path)
    assert_names(excinfo, "Tribute_transposed.csv", 4)
    assert "Tribute.csv" in str(excinfo.value)

    write(tmp_path / "labels" / "Tribute_transposed.csv", matrix_text(matrix.T[:4]))
    with pytest.raises(DataError, match="disagrees") as excinfo:
        sof.read_labels(path)
    assert "Tribute_transposed.csv" in str(excinfo.value) and "Tribute.csv" in str(excinfo.value)


# --------------------------------------------------------------------------------------------------
# Kept labels
# --------------------------------------------------------------------------------------------------


def table_from_counts(counts: dict[str, int], n: int) -> pd.DataFrame:
    table = pd.DataFrame(0, index=range(n), columns=list(sof.LABEL_NAMES))
    for name, c in counts.items():
        table.loc[: c - 1, name] = 1
    return table


def test_kept_labels_threshold_over_all_films() -> None:
    a = table_from_counts({"comedy": 12, "drama": 19, "suspense": 25}, 30)
    b = table_from_counts({"comedy": 8, "drama": 0, "sudden shock": 20}, 30)
    assert sof.kept_labels({"A": a, "B": b}) == ["suspense", "comedy", "sudden shock"]
    assert sof.kept_labels(pd.concat([a, b])) == ["suspense", "comedy", "sudden shock"]
    assert sof.kept_labels({"A": a, "B": b}, min_positive=19) == [
        "suspense",
        "comedy",
        "drama",
        "sudden shock",
    ]
    assert sof.kept_labels({}) == []
    assert sof.kept_labels(a[["drama", "suspense"]], min_positive=1) == ["suspense", "drama"]
    with pytest.raises(ValueError, match="unknown label"):
        sof.kept_labels(a.rename(columns={"drama": "dramas"}))
    with pytest.raises(ValueError):
        sof.kept_labels(a, min_positive=-1)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(hnp.arrays(np.int64, st.tuples(st.integers(0, 12), st.just(42)), elements=st.integers(0, 1)),
             min_size=1, max_size=4),
    st.integers(0, 15),
)  # fmt: skip
def test_kept_iff_total_positives_reach_threshold(matrices: list[np.ndarray], threshold: int) -> None:
    tables = {f"F{i}": pd.DataFrame(m, columns=list(sof.LABEL_NAMES)) for i, m in enumerate(matrices)}
    totals = sum(m.sum(axis=0) for m in matrices)
    kept = sof.kept_labels(tables, min_positive=threshold)
    assert kept == [name for name, total in zip(sof.LABEL_NAMES, totals, strict=True) if total >= threshold]


# --------------------------------------------------------------------------------------------------
# VOCs
# --------------------------------------------------------------------------------------------------

VOC_ATTRS = ["CO2", "m33.0335", "m46.0653", "m58.0756", "m70.0766", "m374.0818"]


def voc_arff(rows: list[list[str]], names: list[str] = VOC_ATTRS, extra: int = 120) -> str:
    """A realistic screening file: comments, a time attribute, many unused masses, then the six."""
    head = ["% PTR-ToF-MS, cinema Mainz", "@relation screening", "@attribute 'time (s)' numeric"]
    head += [f"@attribute 'm{21 + 0.37 * i:.4f}' numeric" for i in range(extra)]
    head += [f"@attribute '{name}' numeric" for name in names] + ["", "@data"]
    body = [",".join([str(30 * t), *("0.5" for _ in range(extra)), *row]) for t, row in enumerate(rows)]
    return "\n".join(head + body) + "\n"


def attrs(*names: str) -> list[ArffAttribute]:
    return [ArffAttribute(n, "numeric") for n in names]


def test_compound_names_are_matched_robustly() -> None:
    found = vocs.match_compounds("f.arff", attrs("time", "co2", "m/z 33.0335", "46.0653", "M58.0756 acetone",
                                                  "m70.0770", "m374.0818", "m33.1"))  # fmt: skip
    assert {c: a.name for c, a in found.items()} == {
        "CO2": "co2", "methanol": "m/z 33.0335", "ethanol": "46.0653", "acetone": "M58.0756 acetone",
        "isoprene": "m70.0770", "siloxane": "m374.0818",
    }  # fmt: skip
    nearest = vocs.match_compounds("f.arff", attrs(*VOC_ATTRS, "m33.0340", "CO2_ppm"))
    assert nearest["methanol"].name == "m33.0335" and nearest["CO2"].name == "CO2"


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (["CO2", "m33.0335", "m46.0653", "m58.0756", "m70.0766"], "no attribute for siloxane"),
        (["m33.0335", "m46.0653", "m58.0756", "m70.0766", "m374.0818"], "no attribute for CO2"),
        ([*VOC_ATTRS[:2], "m46.0670", *VOC_ATTRS[3:]], "no attribute for ethanol"),
        ([*VOC_ATTRS, "m/z 46.0653"], "ambiguous attributes for ethanol"),
        ([*VOC_ATTRS, "co2 ppm", "CO2 raw"], None),  # exact "CO2" wins
    ],
)
def test_compound_matching_errors_name_the_file(names: list[str], words: str | None) -> None:
    if words is None:
        assert vocs.match_compounds("s.arff", attrs(*names))["CO2"].name == "CO2"
        return
    with pytest.raises(DataError, match=words) as excinfo:
        vocs.match_compounds("s.arff", attrs(*names))
    assert "s.arff" in str(excinfo.value)


def test_read_voc_screening_selects_six_columns_with_nan(tmp_path: Path) -> None:
    rows = [
        ["400", "1", "2", "3", "4", "5"],
        ["410", "?", "2.5", "3", "?", "6"],
        ["?", "1.5", "3", "3", "4", "7"],
    ]
    table = vocs.read_voc_screening(write(tmp_path / "vocs" / "2_Buddy.arff", voc_arff(rows)))
    assert table.columns.tolist() == list(vocs.VOC_NAMES)
    assert table.index.name == "sequence" and len(table) == 3
    assert table["CO2"].tolist()[:2] == [400.0, 410.0] and np.isnan(table["CO2"].iloc[2])
    assert table["methanol"].isna().tolist() == [False, True, False]
    assert table["siloxane"].tolist() == [5.0, 6.0, 7.0]


def test_read_voc_screening_errors(tmp_path: Path) -> None:
    missing = write(tmp_path / "1_Hobbit.arff", voc_arff([["1"] * 5], names=VOC_ATTRS[:5]))
    with pytest.raises(DataError, match="no attribute for siloxane") as excinfo:
        vocs.read_voc_screening(missing)
    assert_names(excinfo, "1_Hobbit.arff")
    nominal = write(tmp_path / "2_Hobbit.arff", voc_arff([]).replace("'CO2' numeric", "'CO2' {low, high}"))
    with pytest.raises(DataError, match="not numeric") as excinfo:
        vocs.read_voc_screening(nominal)
    assert_names(excinfo, "2_Hobbit.arff", 124)
    empty = write(tmp_path / "3_Hobbit.arff", voc_arff([]))
    with pytest.raises(DataError, match="no data rows"):
        vocs.read_voc_screening(empty)
    bad = write(tmp_path / "4_Hobbit.arff", voc_arff([["1", "2", "x", "4", "5", "6"]]))
    with pytest.raises(DataError, match="non-numeric value 'x'") as excinfo:
        vocs.read_voc_screening(bad)
    assert_names(excinfo, "4_Hobbit.arff", 132)  # 3 + 120 + 6 attribute lines, a blank, @data


def test_minmax_scales_each_column_of_one_screening() -> None:
    raw = pd.DataFrame({"a": [2.0, 4.0, np.nan, 3.0], "b": [7.0, 7.0, 7.0, np.nan], "c": [np.nan] * 4})
    scaled = vocs.minmax_per_screening(raw)
    assert (
        scaled["a"].tolist()[:2] == [0.0, 1.0]
        and scaled["a"].iloc[3] == 0.5
        and np.isnan(scaled["a"].iloc[2])
    )
    assert scaled["b"].tolist()[:3] == [0.5, 0.5, 0.5] and np.isnan(scaled["b"].iloc[3])  # constant column
    assert scaled["c"].isna().all()
    assert raw["a"].tolist()[:2] == [2.0, 4.0]  # input untouched
    with pytest.raises(ValueError, match="infinite"):
        vocs.minmax_per_screening(pd.DataFrame({"a": [1.0, np.inf]}))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 6)),
                  elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan))))  # fmt: skip
def test_minmax_property(values: np.ndarray) -> None:
    scaled = vocs.minmax_per_screening(pd.DataFrame(values)).to_numpy()
    assert np.array_equal(np.isnan(scaled), np.isnan(values))
    present = scaled[~np.isnan(scaled)]
    assert ((present >= 0.0) & (present <= 1.0)).all()
    for j in range(values.shape[1]):
        col = values[:, j][~np.isnan(values[:, j])]
        if col.size and col.max() > col.min():
            out = scaled[:, j][~np.isnan(values[:, j])]
            assert out[np.argmin(col)] == 0.0 and out[np.argmax(col)] == 1.0


def test_fill_missing_uses_the_other_screenings_at_the_same_time() -> None:
    cols = ["CO2", "acetone"]
    s1 = pd.DataFrame([[0.2, np.nan], [np.nan, np.nan], [0.4, 0.1]], columns=cols)
    s2 = pd.DataFrame([[0.6, 0.3], [np.nan, 0.9]], columns=cols)  # shorter screening
    s3 = pd.DataFrame([[np.nan, 0.5], [0.8, np.nan], [np.nan, np.nan], [1.0, np.nan]], columns=cols)
    f1, f2, f3 = vocs.fill_missing([s1, s2, s3])
    np.testing.assert_array_equal(f1.to_numpy(), [[0.2, 0.4], [0.8, 0.9], [0.4, 0.1]])
    np.testing.assert_array_equal(f2.to_numpy(), [[0.6, 0.3], [0.8, 0.9]])
    # row 2: CO2 only in s1; acetone only in s1; row 3: nobody else has acetone -> 0.5
    np.testing.assert_array_equal(f3.to_numpy(), [[0.4, 0.5], [0.8, 0.9], [0.4, 0.1], [1.0, 0.5]])
    assert [len(f) for f in (f1, f2, f3)] == [3, 2, 4] and f3.columns.tolist() == cols
    assert np.isnan(s1.iloc[1, 0])  # inputs untouched
    assert vocs.fill_missing([]) == []
    with pytest.raises(ValueError, match="different columns"):
        vocs.fill_missing([s1, s2.rename(columns={"CO2": "co2"})])


SCREENINGS = st.lists(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 8), st.just(3)),
               elements=st.one_of(st.floats(0, 1), st.just(np.nan))),
    min_size=1, max_size=5,
)  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(SCREENINGS)
def test_fill_missing_property(arrays: list[np.ndarray]) -> None:
    filled = vocs.fill_missing([pd.DataFrame(a) for a in arrays])
    for k, (raw, out) in enumerate(zip(arrays, filled, strict=True)):
        out = out.to_numpy()
        assert out.shape == raw.shape and not np.isnan(out).any()
        present = ~np.isnan(raw)
        np.testing.assert_array_equal(out[present], raw[present])  # never touches present values
        for t, c in zip(*np.nonzero(~present), strict=True):
            others = [
                a[t, c] for j, a in enumerate(arrays) if j != k and t < len(a) and not np.isnan(a[t, c])
            ]
            expected = np.mean(others) if others else 0.5
            assert out[t, c] == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------------------------------
# Audio
# --------------------------------------------------------------------------------------------------


def test_read_audio_features(tmp_path: Path) -> None:
    path = tmp_path / "Buddy.npy"
    np.save(path, np.arange(4 * 193, dtype=np.float32).reshape(4, 193))
    features = sof.read_audio_features(path)
    assert features.shape == (4, 193) and features.dtype == np.float64
    assert sum(w for _, w in sof.AUDIO_BLOCKS) == sof.AUDIO_FEATURES == 193


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (np.zeros((4, 192)), r"shape \(4, 192\)"),
        (np.zeros(193), r"shape \(193,\)"),
        (np.zeros((0, 193)), r"shape \(0, 193\)"),
        (np.where(np.eye(3, 193) > 0, np.nan, 0.0), "non-finite value nan at sequence 0, feature 0"),
        (np.full((2, 193), np.inf), "non-finite"),
        (np.array([["a"] * 193]), "not numeric"),
        (np.array([[{}] * 193], dtype=object), "cannot load"),
        (b"this is not numpy", "cannot load"),
    ],
)
def test_bad_audio_file(tmp_path: Path, content: object, words: str) -> None:
    path = tmp_path / "Paranormal.npy"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        np.save(path, content, allow_pickle=True)
    with pytest.raises(DataError, match=words) as excinfo:
        sof.read_audio_features(path)
    assert_names(excinfo, "Paranormal.npy")


def test_missing_audio_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found") as excinfo:
        sof.read_audio_features(tmp_path / "Gone.npy")
    assert_names(excinfo, "Gone.npy")


# --------------------------------------------------------------------------------------------------
# Alignment and the whole set
# --------------------------------------------------------------------------------------------------


def test_align_lengths_truncates_to_the_shortest() -> None:
    labels = pd.DataFrame({"a": range(10)}, index=range(100, 110))
    audio = np.zeros((8, 193))
    voc = pd.DataFrame({"CO2": range(12)})
    l2, a2, v2 = sof.align_lengths(labels, audio, voc)
    assert (len(l2), len(a2), len(v2)) == (8, 8, 8)
    assert l2.index[-1] == 107  # by position
    assert sof.align_lengths() == ()
    with pytest.raises(ValueError, match="differ by more than 3"):
        sof.align_lengths(labels, audio, voc, max_difference=3)
    assert len(sof.align_lengths(labels, audio, max_difference=2)[0]) == 8


def make_labels_and_audio(root: Path, films: dict[str, tuple[int, int]]) -> None:
    for i, (film, (n_labels, n_audio)) in enumerate(films.items()):
        write_labels(root, film, random_labels(n_labels, seed=i), transposed=i == 0)
        (root / "audio").mkdir(parents=True, exist_ok=True)
        np.save(root / "audio" / f"{film}.npy", np.random.default_rng(i).normal(size=(n_audio, 193)))


def test_load_with_only_labels_and_audio(tmp_path: Path) -> None:
    make_labels_and_audio(tmp_path, {"Mitty": (6, 7), "Buddy": (5, 4)})
    data = sof.load_smelloffear(tmp_path)
    assert data.names == ["Buddy", "Mitty"]
    films = data.films
    assert films.columns.tolist() == [
        "film",
        "n_sequences",
        "labels_path",
        "movie",
        "audio",
        "screenings",
        "voc_paths",
    ]
    assert films["n_sequences"].tolist() == [5, 6]
    assert films["movie"].tolist() == [None, None]
    assert films["audio"].tolist() == [tmp_path / "audio" / "Buddy.npy", tmp_path / "audio" / "Mitty.npy"]
    assert films["screenings"].tolist() == [(), ()]
    assert data.vocs == {"Buddy": [], "Mitty": []}
    assert data.audio["Mitty"].shape == (7, 193) and data.labels["Buddy"].shape == (5, 42)
    assert data.unlabelled.empty
    labels, audio = sof.align_lengths(data.labels["Buddy"], data.audio["Buddy"])
    assert len(labels) == len(audio) == 4
    assert data.kept_labels(min_positive=0) == list(sof.LABEL_NAMES)


def test_load_full_layout_with_vocs_movies_and_unlabelled_films(tmp_path: Path) -> None:
    make_labels_and_audio(tmp_path, {"Hobbit": (3, 3)})
    rows = [
        ["400", "1", "2", "3", "4", "5"],
        ["410", "?", "2.5", "3", "?", "6"],
        ["420", "2", "3", "4", "5", "7"],
    ]
    for k in (2, 1):
        write(tmp_path / "vocs" / f"{k}_Hobbit.arff", voc_arff(rows[:2]))
    write(
        tmp_path / "vocs" / "10_Hobbit.arff", voc_arff([rows[0], ["410", "3", "2", "3", "4", "6"], rows[2]])
    )
    write(tmp_path / "vocs" / "1_Marrow_bis.arff", voc_arff(rows))
    write(tmp_path / "movies" / "Hobbit.mp4", "")
    write(tmp_path / "movies" / "Marrow_bis.mp4", "")
    write(tmp_path / "movies" / "Sable.mp4", "")  # a movie alone: an unlabelled film for pre-training
    with pytest.warns(UserWarning, match="'Marrow_bis', which has no labels"):
        data = sof.load_smelloffear(tmp_path)
    hobbit = data.films.iloc[0]
    assert hobbit["movie"] == tmp_path / "movies" / "Hobbit.mp4"
    assert hobbit["screenings"] == (1, 2, 10)
    assert [len(s) for s in data.vocs["Hobbit"]] == [2, 2, 3]
    assert data.unlabelled.to_dict("records") == [
        {
            "film": "Marrow_bis",
            "movie": tmp_path / "movies" / "Marrow_bis.mp4",
            "audio": None,
            "n_screenings": 1,
        },
        {"film": "Sable", "movie": tmp_path / "movies" / "Sable.mp4", "audio": None, "n_screenings": 0},
    ]
    scaled = data.scaled_vocs("Hobbit")
    assert all(not s.isna().any().any() and ((s >= 0) & (s <= 1)).all().all() for s in scaled)
    # methanol of screening 1 is [1, ?] -> [0.5, nan]; screening 10 is [1, 3, 2] -> [0, 1, 0.5]
    assert scaled[0]["methanol"].tolist() == [0.5, 1.0]
    assert scaled[1]["isoprene"].tolist() == [0.5, 0.0]  # [4, ?] and [4, 4, 5] -> [0, 0, 1]


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="folder not found") as excinfo:
        sof.load_smelloffear(tmp_path)
    assert_names(excinfo, "labels")
    (tmp_path / "labels").mkdir()
    with pytest.raises(DataError, match="no label files"):
        sof.load_smelloffear(tmp_path)
    write(tmp_path / "labels" / "Solo_transposed.csv", matrix_text(random_labels(3).T))
    with pytest.raises(DataError, match="without Solo.csv") as excinfo:
        sof.load_smelloffear(tmp_path)
    assert_names(excinfo, "Solo_transposed.csv")
    write_labels(tmp_path, "Solo", random_labels(3))
    write(tmp_path / "vocs" / "Solo-1.arff", "")
    with pytest.raises(DataError, match="misnamed screening file") as excinfo:
        sof.load_smelloffear(tmp_path)
    assert_names(excinfo, "Solo-1.arff")
    (tmp_path / "vocs" / "Solo-1.arff").unlink()
    write(tmp_path / "vocs" / "1_Solo.arff", voc_arff([["1"] * 6]))
    write(tmp_path / "vocs" / "01_Solo.arff", voc_arff([["1"] * 6]))
    with pytest.raises(DataError, match="screening 1 of 'Solo' also in"):
        sof.load_smelloffear(tmp_path)
    (tmp_path / "vocs" / "01_Solo.arff").unlink()
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "Solo.npy").write_bytes(b"junk")
    with pytest.raises(DataError, match="cannot load") as excinfo:
        sof.load_smelloffear(tmp_path)
    assert_names(excinfo, "Solo.npy")


def test_the_taxonomy_has_42_labels_and_the_audio_193_features() -> None:
    from emolib.datasets.smelloffear import AUDIO_FEATURES, LABEL_NAMES

    assert len(LABEL_NAMES) == 42 and len(set(LABEL_NAMES)) == 42 and AUDIO_FEATURES == 193
