"""MediaEval 2017/2018 annotation readers, the development-set loader and run files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emolib.core.errors import DataError
from emolib.datasets import mediaeval as me

VA_DIR = Path("MEDIAEVAL17-DevSet-Valence_Arousal-annotations", "annotations")
FEAR_DIR = Path("MEDIAEVAL17-DevSet-Fear-annotations", "annotations")
VA_HEADER = "Id\tTime\tMeanValence\tMeanArousal"
FEAR_HEADER = "Id\tTime\tFear"
NEW_COLUMNS = ["part", "dev_part", "has_fear"]
"""Columns the movies table gained with the 2018 edition (after the 2017 ones, which keep their order)."""


def va_text(n: int, header: str = VA_HEADER) -> str:
    rows = [f"{i}\t{5 * i}\t{0.1 * (i % 5) - 0.2:.3f}\t{-0.05 * (i % 7):.3f}" for i in range(n)]
    return "\n".join([header, *rows]) + "\n"


def fear_text(n: int) -> str:
    return "\n".join([FEAR_HEADER, *(f"{i}\t{5 * i}\t{int(i % 4 == 3)}" for i in range(n))]) + "\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_data_error(excinfo: pytest.ExceptionInfo[DataError], path: Path, line: int | None) -> None:
    message = str(excinfo.value)
    assert path.name in message
    assert excinfo.value.path == str(path)
    if line is not None:
        assert f"{path.name}:{line}:" in message
        assert excinfo.value.line == line


# --------------------------------------------------------------------------------------------------
# Per-file readers
# --------------------------------------------------------------------------------------------------


def test_read_valence_arousal_returns_tidy_typed_table(tmp_path: Path) -> None:
    path = write(tmp_path / "A-MEDIAEVAL2017-valence_arousal.txt", va_text(4))
    table = me.read_valence_arousal(path)
    assert list(table.columns) == ["id", "time", "valence", "arousal"]
    assert table["id"].dtype == np.int64
    assert table["time"].tolist() == [0.0, 5.0, 10.0, 15.0]
    assert table["valence"].tolist() == pytest.approx([-0.2, -0.1, 0.0, 0.1])
    assert table["arousal"].dtype == np.float64


def test_read_tolerates_crlf_bom_trailing_blank_lines_and_header_case(tmp_path: Path) -> None:
    text = "\ufeffid\tTIME\tmeanvalence\tMeanArousal\r\n0\t0\t0.5\t-0.5\t\r\n1\t5.0\t1\t-1\r\n\r\n\n"
    path = write(tmp_path / "B-MEDIAEVAL2017-valence_arousal.txt", text)
    table = me.read_valence_arousal(path)
    assert table.shape == (2, 4)
    assert table["arousal"].tolist() == [-0.5, -1.0]


def test_read_fear_is_integer_binary(tmp_path: Path) -> None:
    table = me.read_fear(write(tmp_path / "A-MEDIAEVAL2017-fear.txt", fear_text(8)))
    assert list(table.columns) == ["id", "time", "fear"]
    assert table["fear"].dtype == np.int64
    assert table["fear"].tolist() == [0, 0, 0, 1, 0, 0, 0, 1]


VA_CASES = [
    ("empty file", "", None, "empty file"),
    ("only blank lines", "\n\n", None, "empty file"),
    ("only header", VA_HEADER + "\n", 1, "no data rows"),
    ("wrong header", "Id\tTime\tValence\tArousal\n0\t0\t0\t0\n", 1, "wrong header"),
    ("missing header", "0\t0\t0.1\t0.2\n1\t5\t0.1\t0.2\n", 1, "missing header"),
    ("commas in header", "Id,Time,MeanValence,MeanArousal\n0\t0\t0\t0\n", 1, "commas"),
    ("commas in a row", VA_HEADER + "\n0\t0\t0\t0\n1,5,0,0\n", 3, "commas"),
    ("spaces in a row", VA_HEADER + "\n0 0 0.1 0.2\n", 2, "spaces"),
    ("too many columns", VA_HEADER + "\n0\t0\t0\t0\n1\t5\t0\t0\t9\n", 3, "found 5"),
    ("too few columns", VA_HEADER + "\n0\t0\t0\n", 2, "found 3"),
    ("non-numeric value", VA_HEADER + "\n0\t0\t0\t0\n1\t5\tabc\t0\n", 3, "non-numeric value 'abc'"),
    ("empty value", VA_HEADER + "\n0\t0\t\t0\n", 2, "non-numeric value ''"),
    ("NaN value", VA_HEADER + "\n0\t0\t0\t0\n1\t5\t0\t0\n2\t10\tNaN\t0\n", 4, "NaN"),
    ("infinite value", VA_HEADER + "\n0\t0\t0\tinf\n", 2, "finite"),
    ("valence above 1", VA_HEADER + "\n0\t0\t0\t0\n1\t5\t1.5\t0\n", 3, "valence 1.5 outside [-1, 1]"),
    ("arousal below -1", VA_HEADER + "\n0\t0\t0\t-1.01\n", 2, "arousal -1.01 outside"),
    ("ids start at 1", VA_HEADER + "\n1\t5\t0\t0\n2\t10\t0\t0\n", 2, "consecutive from 0"),
    ("duplicate id", VA_HEADER + "\n0\t0\t0\t0\n1\t5\t0\t0\n1\t5\t0\t0\n", 4, "duplicate id 1"),
    ("gap in ids", VA_HEADER + "\n0\t0\t0\t0\n1\t5\t0\t0\n3\t15\t0\t0\n", 4, "consecutive"),
    ("fractional id", VA_HEADER + "\n0\t0\t0\t0\n1.5\t5\t0\t0\n", 3, "not an integer"),
    ("time off grid", VA_HEADER + "\n0\t0\t0\t0\n1\t6\t0\t0\n", 3, "off the 5 s window grid"),
    ("times go back", VA_HEADER + "\n0\t0\t0\t0\n1\t10\t0\t0\n2\t5\t0\t0\n", 4, "must increase"),
    ("blank line inside", VA_HEADER + "\n0\t0\t0\t0\n\n1\t5\t0\t0\n", 3, "blank line"),
]


@pytest.mark.parametrize(("case", "text", "line", "words"), VA_CASES, ids=[c[0] for c in VA_CASES])
def test_bad_valence_arousal_file_names_file_and_line(
    tmp_path: Path, case: str, text: str, line: int | None, words: str
) -> None:
    path = write(tmp_path / "Bad_Movie-MEDIAEVAL2017-valence_arousal.txt", text)
    with pytest.raises(DataError, match=words.replace("[", r"\[").replace("]", r"\]")) as excinfo:
        me.read_valence_arousal(path)
    assert_data_error(excinfo, path, line)


FEAR_CASES = [
    ("fear 2", FEAR_HEADER + "\n0\t0\t0\n1\t5\t2\n", 3, "fear 2 is not 0 or 1"),
    ("fear 0.5", FEAR_HEADER + "\n0\t0\t0.5\n", 2, "fear 0.5 is not 0 or 1"),
    ("valence/arousal header", VA_HEADER + "\n0\t0\t0\t0\n", 1, "found 4"),
    ("fear header with spaces", "Id Time Fear\n0\t0\t0\n", 1, "spaces"),
    ("time off grid", FEAR_HEADER + "\n0\t0.5\t0\n", 2, "off the 5 s"),
]


@pytest.mark.parametrize(("case", "text", "line", "words"), FEAR_CASES, ids=[c[0] for c in FEAR_CASES])
def test_bad_fear_file_names_file_and_line(
    tmp_path: Path, case: str, text: str, line: int, words: str
) -> None:
    path = write(tmp_path / "Bad-MEDIAEVAL2017-fear.txt", text)
    with pytest.raises(DataError, match=words) as excinfo:
        me.read_fear(path)
    assert_data_error(excinfo, path, line)


@pytest.mark.parametrize(
    "reader",
    [me.read_valence_arousal, me.read_fear, me.read_test_valence_arousal, me.read_valence_arousal_2018],
)
def test_missing_file_is_a_data_error(tmp_path: Path, reader) -> None:
    path = tmp_path / "nowhere-MEDIAEVAL2017-fear.txt"
    with pytest.raises(DataError, match="file not found") as excinfo:
        reader(path)
    assert_data_error(excinfo, path, None)


def test_not_utf8_is_a_data_error_with_line(tmp_path: Path) -> None:
    path = tmp_path / "X-MEDIAEVAL2017-fear.txt"
    path.write_bytes(b"Id\tTime\tFear\n0\t0\t\xff\n")
    with pytest.raises(DataError, match="UTF-8") as excinfo:
        me.read_fear(path)
    assert_data_error(excinfo, path, 2)


def test_test_set_ground_truth_any_whitespace_and_header_names(tmp_path: Path) -> None:
    text = "id time valence arousal\n0 0  0.25\t-0.5\n1\t5 0.5 -0.25\n2 10 -1 1\n"
    table = me.read_test_valence_arousal(write(tmp_path / "MEDIAEVAL17_03_Valence-Arousal.txt", text))
    assert list(table.columns) == ["id", "time", "valence", "arousal"]
    assert table["valence"].tolist() == [0.25, 0.5, -1.0]
    assert table["arousal"].tolist() == [-0.5, -0.25, 1.0]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("0 0 0.1 0.2\n", 1, "missing header"),
        ("a b c d\n0 0 0.1\n", 2, "expected 4 whitespace-separated columns, found 3"),
        ("a b c d\n0 0 0.1 1.2\n", 2, "arousal 1.2 outside"),
        ("a b c d\n0 0 0.1 0.2\n1 7 0 0\n", 3, "off the 5 s"),
    ],
)
def test_bad_test_set_file(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path / "MEDIAEVAL17_00_Valence-Arousal.txt", text)
    with pytest.raises(DataError, match=words) as excinfo:
        me.read_test_valence_arousal(path)
    assert_data_error(excinfo, path, line)


def test_2018_per_second_file(tmp_path: Path) -> None:
    text = "Time\tValence\tArousal\n0\t0.1\t0.2\n1\t0.15\t0.25\n2\t0.2\t0.3\n"
    table = me.read_valence_arousal_2018(write(tmp_path / "MEDIAEVAL18_07_Valence-Arousal.txt", text))
    assert list(table.columns) == ["time", "valence", "arousal"]
    assert table["time"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Time\tValence\tArousal\n0\t0\t0\n1\t0\t0\n3\t0\t0\n", 4, "off the 1 s grid"),
        ("Time\tValence\tArousal\n-1\t0\t0\n", 2, "negative time"),
        ("Time,Valence,Arousal\n0,0,0\n", 1, "commas"),
        ("Time\tValence\tArousal\n0\t0\t2\n", 2, "arousal 2 outside"),
    ],
)
def test_bad_2018_file(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path / "MEDIAEVAL18_00_Valence-Arousal.txt", text)
    with pytest.raises(DataError, match=words) as excinfo:
        me.read_valence_arousal_2018(path)
    assert_data_error(excinfo, path, line)


# --------------------------------------------------------------------------------------------------
# Development set
# --------------------------------------------------------------------------------------------------


def make_devset(root: Path, windows: dict[str, int], movie_dir: Path | None) -> None:
    for name, n in windows.items():
        write(root / VA_DIR / f"{name}{me.VA_SUFFIX}", va_text(n))
        write(root / FEAR_DIR / f"{name}{me.FEAR_SUFFIX}", fear_text(n))
        if movie_dir is not None:
            write(root / movie_dir / f"{name}.mp4", "")


@pytest.mark.parametrize("movie_dir", [Path("MEDIAEVAL17-DevSet-Data", "data"), Path("movies")])
def test_load_devset_release_and_sample_layouts(tmp_path: Path, movie_dir: Path) -> None:
    make_devset(tmp_path, {"Sintel": 5, "Big_Buck_Bunny": 3}, movie_dir)
    write(tmp_path / VA_DIR / ".DS_Store", "junk")  # hidden files are ignored
    devset = me.load_devset(tmp_path)

    assert devset.names == ["Big_Buck_Bunny", "Sintel"]
    movies = devset.movies
    assert list(movies.columns) == ["name", "movie", "va_path", "fear_path", "n_windows", *NEW_COLUMNS]
    assert movies["n_windows"].tolist() == [3, 5]
    assert movies["part"].tolist() == ["dev", "dev"] and movies["has_fear"].all() and devset.has_fear
    assert (devset.edition, devset.grid, devset.fear_sequences) == (2017, "window", {})
    assert movies["movie"].tolist() == [
        tmp_path / movie_dir / "Big_Buck_Bunny.mp4",
        tmp_path / movie_dir / "Sintel.mp4",
    ]
    assert movies["fear_path"].iloc[1] == tmp_path / FEAR_DIR / f"Sintel{me.FEAR_SUFFIX}"

    ann = devset.annotations
    assert list(ann.columns) == ["movie", "id", "time", "valence", "arousal", "fear"]
    assert ann["movie"].tolist() == ["Big_Buck_Bunny"] * 3 + ["Sintel"] * 5
    assert ann["id"].tolist() == [0, 1, 2, 0, 1, 2, 3, 4]
    sintel = devset.movie_annotations("Sintel")
    pd.testing.assert_frame_equal(sintel[["id", "time", "fear"]], me.read_fear(movies["fear_path"].iloc[1]))
    with pytest.raises(KeyError):
        devset.movie_annotations("Nope")


def test_load_devset_records_missing_movie_as_none_and_never_opens_movies(tmp_path: Path) -> None:
    make_devset(tmp_path, {"Decay": 2}, None)
    write(tmp_path / "elsewhere" / "deep" / "Payload.mp4", "not a video")  # not annotated: ignored
    devset = me.load_devset(tmp_path)
    assert devset.movies["movie"].tolist() == [None]
    make_devset(tmp_path, {"Payload": 2}, None)
    assert me.load_devset(tmp_path).movies["movie"].tolist() == [
        None,
        tmp_path / "elsewhere/deep/Payload.mp4",
    ]


def test_load_devset_va_without_fear(tmp_path: Path) -> None:
    make_devset(tmp_path, {"Norm": 3}, None)
    lonely = write(tmp_path / VA_DIR / f"Chatter{me.VA_SUFFIX}", va_text(3))
    with pytest.raises(DataError, match="no matching fear file Chatter-MEDIAEVAL2017-fear.txt") as excinfo:
        me.load_devset(tmp_path)
    assert_data_error(excinfo, lonely, None)


def test_load_devset_fear_without_va(tmp_path: Path) -> None:
    lonely = write(tmp_path / FEAR_DIR / f"Chatter{me.FEAR_SUFFIX}", fear_text(3))
    with pytest.raises(DataError, match="no matching valence/arousal file") as excinfo:
        me.load_devset(tmp_path)
    assert_data_error(excinfo, lonely, None)


def test_load_devset_misnamed_annotation_file(tmp_path: Path) -> None:
    make_devset(tmp_path, {"Norm": 3}, None)
    bad = write(tmp_path / FEAR_DIR / "Norm-MEDIAEVAL2017-Fear.txt", fear_text(3))
    with pytest.raises(DataError, match="misnamed annotation file") as excinfo:
        me.load_devset(tmp_path)
    assert_data_error(excinfo, bad, None)


def test_load_devset_without_annotations_names_root_and_expectation(tmp_path: Path) -> None:
    write(tmp_path / "movies" / "Sintel.mp4", "")
    with pytest.raises(DataError, match="no MediaEval 2017 annotation files found; expected") as excinfo:
        me.load_devset(tmp_path)
    assert str(tmp_path) in str(excinfo.value)
    assert "MEDIAEVAL2017-valence_arousal.txt" in str(excinfo.value)


def test_load_devset_missing_root(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="folder not found") as excinfo:
        me.load_devset(tmp_path / "absent")
    assert "absent" in str(excinfo.value)


def test_load_devset_grid_mismatch_names_both_files(tmp_path: Path) -> None:
    make_devset(tmp_path, {"Origami": 4}, None)
    fear = write(tmp_path / FEAR_DIR / f"Origami{me.FEAR_SUFFIX}", fear_text(3))
    with pytest.raises(DataError, match="must agree") as excinfo:
        me.load_devset(tmp_path)
    message = str(excinfo.value)
    assert f"Origami{me.VA_SUFFIX}" in message
    assert fear.name in message


def test_load_devset_bad_file_inside_names_it_with_line(tmp_path: Path) -> None:
    make_devset(tmp_path, {"Wanted": 4}, None)
    bad = write(tmp_path / VA_DIR / f"Wanted{me.VA_SUFFIX}", va_text(4).replace("\t10\t", "\t11\t"))
    with pytest.raises(DataError, match="off the 5 s") as excinfo:
        me.load_devset(tmp_path)
    assert_data_error(excinfo, bad, 4)


def test_load_devset_duplicate_annotation_or_movie(tmp_path: Path) -> None:
    make_devset(tmp_path, {"Islands": 2}, Path("movies"))
    write(tmp_path / "copy" / "Islands.MP4", "")
    with pytest.raises(DataError, match="ambiguous") as excinfo:
        me.load_devset(tmp_path)
    assert "Islands.mp4" in str(excinfo.value) and "Islands.MP4" in str(excinfo.value)
    (tmp_path / "copy" / "Islands.MP4").unlink()
    write(tmp_path / "backup" / f"Islands{me.VA_SUFFIX}", va_text(2))
    with pytest.raises(DataError, match="duplicate annotation file"):
        me.load_devset(tmp_path)


# --------------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------------


def test_run_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    preds = {
        "MEDIAEVAL17_01": rng.uniform(-1, 1, size=(4, 2)),
        "MEDIAEVAL17_00": pd.DataFrame({"valence": [0.1, 0.2], "arousal": [-0.3, 1 / 3]}),
    }
    path = me.write_run(tmp_path / "me17ei_team_run1.txt", preds)
    lines = path.read_text().splitlines()
    assert lines[0] == "MEDIAEVAL17_00" and lines[3] == "MEDIAEVAL17_01"
    assert len(lines[1].split()) == 2
    back = me.read_run(path)
    assert list(back) == ["MEDIAEVAL17_00", "MEDIAEVAL17_01"]
    np.testing.assert_array_equal(
        back["MEDIAEVAL17_01"][["valence", "arousal"]].to_numpy(), preds["MEDIAEVAL17_01"]
    )
    assert back["MEDIAEVAL17_00"]["arousal"].iloc[1] == 1 / 3


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("0.1 0.2\n", 1, "before the first movie name"),
        ("M1\n0.1 0.2\nM2\nM3\n0 0\n", 3, "'M2' has no prediction rows"),
        ("M1\n0.1 0.2 0.3\n", 2, "found 3 fields"),
        ("M1\n0.1 nan\n", 2, "finite"),
        ("M1\n0.1 0.2\n\n0 0\n", 3, "blank line"),
        ("M1\n0.1 0.2\nM1\n0 0\n", 3, "appears twice"),
        ("M1\n", 1, "no prediction rows"),
    ],
)
def test_bad_run_file(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path / "run.txt", text)
    with pytest.raises(DataError, match=words) as excinfo:
        me.read_run(path)
    assert_data_error(excinfo, path, line)


@pytest.mark.parametrize(
    "preds",
    [
        {"two words": np.zeros((2, 2))},
        {"12": np.zeros((2, 2))},
        {"M": np.zeros((2, 3))},
        {"M": [[np.nan, 0.0]]},
    ],
)
def test_write_run_rejects_bad_predictions(tmp_path: Path, preds) -> None:
    with pytest.raises(ValueError):
        me.write_run(tmp_path / "run.txt", preds)
    assert not (tmp_path / "run.txt").exists()


def test_devset_movies_lists_movies_and_passes_annotation_problems_on(tmp_path: Path) -> None:
    make_devset(tmp_path, {"Good": 3, "Broken": 3, "Nofile": 2}, Path("movies"))
    (tmp_path / "movies" / "Nofile.mp4").unlink()  # annotated, but no movie file: not listed
    va = tmp_path / VA_DIR / f"Broken{me.VA_SUFFIX}"
    lines = va.read_text().splitlines()
    lines[2] = "1\t5\tabc\t0.0"
    va.write_text("\n".join(lines) + "\n")
    lonely = write(tmp_path / VA_DIR / f"Lonely{me.VA_SUFFIX}", va_text(2))
    write(tmp_path / "movies" / "Lonely.mp4", "")
    problems: list[DataError] = []
    movies = me.devset_movies(tmp_path, problems.append)
    assert movies == {n: tmp_path / "movies" / f"{n}.mp4" for n in ("Broken", "Good", "Lonely")}
    assert [(Path(p.path), p.line) for p in problems] == [(va, 3), (lonely, None)]
    assert "non-numeric" in problems[0].message and "no matching fear file" in problems[1].message
    with pytest.raises(DataError, match="Broken-MEDIAEVAL2017-valence_arousal.txt:3: "):
        me.devset_movies(tmp_path)  # raises by default, like load_devset
    lonely.unlink()
    with pytest.raises(DataError, match="Broken-MEDIAEVAL2017-valence_arousal.txt:3: "):
        me.load_devset(tmp_path)  # what the notebooks read: the annotations must be sound


# --------------------------------------------------------------------------------------------------
# 2017 test set
# --------------------------------------------------------------------------------------------------


def test_load_testset_finds_ground_truth_and_anonymised_movies(tmp_path: Path) -> None:
    for k, n in ((1, 4), (0, 3)):
        write(tmp_path / "gt" / f"MEDIAEVAL17_{k:02d}_Valence-Arousal.txt", va_text(n).replace("\t", " "))
    write(tmp_path / "movies" / "MEDIAEVAL17_00.mp4", "not opened")
    write(tmp_path / "notes.txt", "ignored")
    test = me.load_testset(tmp_path)
    assert test.names == ["MEDIAEVAL17_00", "MEDIAEVAL17_01"]
    assert test.movies["n_windows"].tolist() == [3, 4]
    assert test.movies["movie"].tolist() == [tmp_path / "movies" / "MEDIAEVAL17_00.mp4", None]
    assert list(test.movie_annotations("MEDIAEVAL17_01").columns) == ["id", "time", "valence", "arousal"]


def test_load_testset_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no MediaEval 2017 test-set ground truth"):
        me.load_testset(write(tmp_path / "empty" / "x.txt", "x").parent)
    bad = write(tmp_path / "bad" / "MEDIAEVAL17_02_Valence-Arousal.txt", "a b c d\n0 0 0.1 2.0\n")
    with pytest.raises(DataError) as excinfo:
        me.load_testset(bad.parent)
    assert_data_error(excinfo, bad, 2)
    write(tmp_path / "dup" / "a" / "MEDIAEVAL17_00_Valence-Arousal.txt", va_text(2))
    write(tmp_path / "dup" / "b" / "MEDIAEVAL17_00_Valence-Arousal.txt", va_text(2))
    with pytest.raises(DataError, match="duplicate ground-truth file"):
        me.load_testset(tmp_path / "dup")
