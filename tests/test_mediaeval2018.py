"""The MediaEval 2018 layout: fear forms, parts, per-second rows, the one scan, a release never seen."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mediaeval2018_fixtures import UNSEEN_MOVIES, curves, write_unseen_2018

from emolib.core.errors import DataError, DataWarning
from emolib.datasets import mediaeval as me
from emolib.datasets.descriptors import locate as locate_descriptors
from emolib.datasets.descriptors import read_descriptor
from emolib.datasets.layouts import locate
from emolib.datasets.validate import validate


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def va_2018(n: int) -> str:
    return "Time\tValence\tArousal\n" + "".join(f"{t}\t0.1\t-0.2\n" for t in range(n))


# --------------------------------------------------------------------------------------------------
# Fear files
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("Time\tFear\n0\t0\n1\t1\n2\t1\n3\t0\n4\t1\n", "seconds"),
        ("0 0\n1 1\n2 1\n3 0\n4 1\n", "seconds"),  # no header: 0/1 on a 1 s grid
        ("Start\tEnd\n1\t3\n4\t5\n", "sequences"),
        ("StartTime,EndTime\n1.0,3.0\n4.0,5.0\n", "sequences"),
        ("Id Begin End\n0 1 3\n1 4 5\n", "sequences"),
        ("1 3\n4 5\n", "sequences"),  # no header, not 0/1: start/end rows
    ],
)
def test_fear_2018_forms_give_the_same_sequences(tmp_path: Path, text: str, form: str) -> None:
    fear = me.read_fear_2018(write(tmp_path / "MEDIAEVAL18_09_Fear.txt", text))
    assert fear.form == form
    assert fear.sequences.to_numpy().tolist() == [[1.0, 3.0], [4.0, 5.0]]
    assert (fear.seconds is not None) == (form == "seconds")


def test_fear_2018_header_only_or_empty_means_no_fear(tmp_path: Path) -> None:
    assert me.read_fear_2018(write(tmp_path / "a.txt", "Start\tEnd\n")).sequences.empty
    assert me.read_fear_2018(write(tmp_path / "b.txt", "")).sequences.empty


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Onset Offset\n1 2\n", 1, "unrecognised fear header"),
        ("Start End\n1 2\n3 x\n", 3, "non-numeric value 'x'"),
        ("Start End\n5 2\n", 2, "not after start"),
        ("Start End\n1 5\n4 8\n", 3, "before the previous one ends"),
        ("Start End\n1 2 3\n", 2, "expected 2 columns"),
        ("Time Fear\n0 0\n1 2\n", 3, "fear 2 is not 0 or 1"),
        ("Time Fear\n0 0\n2 1\n", 3, "off the 1 s grid"),
    ],
)
def test_bad_fear_2018_file_names_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path / "MEDIAEVAL18_01_Fear.txt", text)
    with pytest.raises(DataError, match=words) as excinfo:
        me.read_fear_2018(path)
    assert excinfo.value.path == str(path) and excinfo.value.line == line


def test_second_fear_takes_the_middle_of_each_second() -> None:
    sequences = pd.DataFrame({"start": [0.4, 7.0], "end": [2.6, 7.4]})
    assert me.second_fear(np.arange(9.0), sequences).tolist() == [1, 1, 1, 0, 0, 0, 0, 0, 0]


# --------------------------------------------------------------------------------------------------
# One scan: every kind of file
# --------------------------------------------------------------------------------------------------


def test_scan_recognises_every_kind(tmp_path: Path) -> None:
    names = {
        "va2017": "Sintel-MEDIAEVAL2017-valence_arousal.txt",
        "fear2017": "Sintel-MEDIAEVAL2017-fear.txt",
        "test_va2017": "MEDIAEVAL17_03_Valence-Arousal.txt",
        "renamed_va2017": "MEDIAEVAL17_04_valence_arousal.txt",
        "renamed_fear2017": "MEDIAEVAL17_04_fear.txt",
        "va2018": "MEDIAEVAL18_07_Valence-Arousal.txt",
        "fear2018": "MEDIAEVAL18_07_fear.txt",
    }
    for name in names.values():
        write(tmp_path / "x" / name, "")
    write(tmp_path / "MEDIAEVAL18-DevSet-Part1-Visual_features" / "a" / "Sintel-MEDIAEVAL2017-fear.txt", "")
    found = me.scan(tmp_path)
    assert {kind: list(found.of(kind).values()) for kind in names} == {
        kind: [tmp_path / "x" / name] for kind, name in names.items()
    }  # descriptor folders are not entered: no duplicate found there


def test_load_testset_reads_the_renamed_ground_truth_with_fear(tmp_path: Path) -> None:
    write(
        tmp_path / "MEDIAEVAL17_05_valence_arousal.txt",
        "Id\tTime\tMeanValence\tMeanArousal\n0\t0\t0.1\t0.2\n1\t5\t0\t0\n",
    )
    write(tmp_path / "MEDIAEVAL17_05_fear.txt", "Id\tTime\tFear\n0\t0\t1\n1\t5\t0\n")
    test = me.load_testset(tmp_path)
    assert test.has_fear and test.movies["part"].tolist() == ["test"]
    assert test.movie_annotations("MEDIAEVAL17_05")["fear"].tolist() == [1, 0]
    write(tmp_path / "MEDIAEVAL17_06_Valence-Arousal.txt", "a b c d\n0 0 0.1 0.2\n")
    both = me.load_testset(tmp_path)
    assert not both.has_fear and both.annotations["fear"].isna().tolist() == [False, False, True]
    assert "fear" not in both.movie_annotations("MEDIAEVAL17_06")


# --------------------------------------------------------------------------------------------------
# The 2018 parts
# --------------------------------------------------------------------------------------------------


def test_load_mediaeval2018_parts_per_second_rows_and_fear(tmp_path: Path) -> None:
    for number, folder in (
        (0, "MEDIAEVAL18-DevSet-Part1"),
        (15, "MEDIAEVAL18-DevSet-Part2"),
        (54, "MEDIAEVAL18-TestSet"),
    ):
        name = f"MEDIAEVAL18_{number:02d}"
        write(
            tmp_path / f"{folder}-Valence_Arousal-annotations/annotations/{name}_Valence-Arousal.txt",
            va_2018(6),
        )
        write(tmp_path / f"{folder}-Fear-annotations/annotations/{name}_Fear.txt", "Start\tEnd\n1.5\t3.2\n")
    write(tmp_path / "anywhere" / "MEDIAEVAL18_15.mp4", "")
    dev = me.load_mediaeval2018(tmp_path, "dev")
    assert (dev.edition, dev.grid) == (2018, "second")
    assert dev.names == ["MEDIAEVAL18_00", "MEDIAEVAL18_15"]
    assert dev.movies["dev_part"].tolist() == [1, 2] and dev.movies["part"].tolist() == ["dev", "dev"]
    assert dev.movies["movie"].tolist() == [None, tmp_path / "anywhere" / "MEDIAEVAL18_15.mp4"]
    rows = dev.movie_annotations("MEDIAEVAL18_15")
    assert list(rows.columns) == ["time", "valence", "arousal", "fear"]
    assert rows["fear"].tolist() == [0, 1, 1, 0, 0, 0] and rows["fear"].dtype == np.int64
    assert dev.fear_sequences["MEDIAEVAL18_00"].to_numpy().tolist() == [[1.5, 3.2]]
    test = me.load_mediaeval2018(tmp_path, "test")
    assert test.names == ["MEDIAEVAL18_54"] and test.movies["dev_part"].tolist() == [None]
    assert locate(tmp_path).mediaeval2018 == tmp_path.resolve()


def test_load_mediaeval2018_part_from_movie_numbers_and_errors(tmp_path: Path) -> None:
    write(tmp_path / "flat" / "MEDIAEVAL18_45_Valence-Arousal.txt", va_2018(3))
    assert me.load_mediaeval2018(tmp_path / "flat").movies["dev_part"].tolist() == [3]
    with pytest.raises(DataError, match="no MediaEval 2018 test annotation files"):
        me.load_mediaeval2018(tmp_path / "flat", "test")
    lonely = write(tmp_path / "flat" / "MEDIAEVAL18_45_Fear.txt", "")
    (tmp_path / "flat" / "MEDIAEVAL18_45_Valence-Arousal.txt").unlink()
    write(tmp_path / "flat" / "MEDIAEVAL18_46_Valence-Arousal.txt", va_2018(3))
    with pytest.raises(DataError, match="no matching valence/arousal file") as excinfo:
        me.load_mediaeval2018(tmp_path / "flat")
    assert excinfo.value.path == str(lonely)
    write(tmp_path / "odd" / "MEDIAEVAL18_99_Valence-Arousal.txt", va_2018(3))
    with pytest.raises(DataError, match="cannot tell its part"):
        me.load_mediaeval2018(tmp_path / "odd")
    with pytest.raises(ValueError, match="part must be"):
        me.load_mediaeval2018(tmp_path / "odd", "train")


def test_per_second_fear_shorter_than_the_annotation_warns(tmp_path: Path) -> None:
    write(tmp_path / "MEDIAEVAL18_03_Valence-Arousal.txt", va_2018(5))
    fear = write(tmp_path / "MEDIAEVAL18_03_Fear.txt", "Time Fear\n0 1\n1 1\n2 0\n")
    with pytest.warns(DataWarning, match="no fear row for 2 of the 5") as caught:
        dev = me.load_mediaeval2018(tmp_path)
    assert str(fear) in str(caught[0].message)
    assert dev.movie_annotations("MEDIAEVAL18_03")["fear"].tolist() == [1, 1, 0, 0, 0]
    assert dev.defects == (str(caught[0].message),)


# --------------------------------------------------------------------------------------------------
# A release the project has never seen
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unseen(tmp_path_factory: pytest.TempPathFactory):
    return write_unseen_2018(tmp_path_factory.mktemp("unseen") / "release")


def test_unseen_release_is_read_with_warnings_only_each_naming_its_file(unseen) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dev = me.load_mediaeval2018(unseen.root, "dev")
        test = me.load_mediaeval2018(unseen.root, "test")
        tables = {(s.descriptor, s.movie): read_descriptor(s) for s in locate_descriptors(unseen.root)}
    messages = [str(w.message) for w in caught]
    assert all(w.category is DataWarning for w in caught), messages
    assert len(messages) == len(unseen.defect_files)
    for path in unseen.defect_files:
        assert sum(str(path) in m for m in messages) == 1, (path, messages)
    assert dev.names == [m.name for m in UNSEEN_MOVIES if m.part.startswith("DevSet")]
    assert test.names == [m.name for m in UNSEEN_MOVIES if m.part == "TestSet"]
    assert dev.movies["dev_part"].tolist() == [1, 1, 2, 3]
    name, rows = unseen.short
    assert dev.movies.set_index("name").loc[name, "n_windows"] == rows
    assert test.movies["has_fear"].tolist() == [True, False] and not test.has_fear
    assert all(p is not None and p.suffix == ".mp4" for p in dev.movies["movie"])
    first = UNSEEN_MOVIES[0]
    valence, _, fear = curves(first.seconds, first.number)
    one = dev.movie_annotations(first.name)
    np.testing.assert_allclose(one["valence"], valence, atol=1e-6)
    assert one["fear"].tolist() == fear.tolist()
    fc6 = tables[("fc6", first.name)]
    assert fc6.values.shape == (first.seconds, 4096) and fc6.filled.tolist() == [
        k == 2 for k in range(first.seconds)
    ]
    np.testing.assert_array_equal(fc6.values[2], fc6.values[1])  # filled from the nearest (earlier on a tie)
    audio = tables[("emobase2010", UNSEEN_MOVIES[2].name)]
    assert audio.values.shape == (UNSEEN_MOVIES[2].seconds, 1582) and audio.filled.sum() == 1


def test_unseen_release_validates_without_problems(unseen) -> None:
    defects: list[str] = []
    problems, checked = validate(unseen.root, defects)
    assert problems == [] and checked > 6 * 4 * 15
    assert len(defects) == len(unseen.defect_files)


def test_2018_run_files_round_trip_and_name_their_lines(tmp_path: Path) -> None:
    import pandas as pd

    from emolib.core.errors import DataError
    from emolib.datasets.mediaeval import (
        read_fear_run_2018,
        read_run_2018,
        write_fear_run_2018,
        write_run_2018,
    )

    va = {
        "MEDIAEVAL18_55": pd.DataFrame({"time": [0.0, 1.0], "valence": [0.1, -0.2], "arousal": [0.3, 0.25]}),
        "MEDIAEVAL18_54": pd.DataFrame({"time": [0.0], "valence": [0.5], "arousal": [-0.5]}),
    }
    path = write_run_2018(tmp_path / "run.txt", va)
    lines = path.read_text().splitlines()
    assert lines[:2] == ["Movie\tTime\tValence\tArousal", "MEDIAEVAL18_54\t0\t0.5\t-0.5"]
    back = read_run_2018(path)
    assert list(back) == ["MEDIAEVAL18_54", "MEDIAEVAL18_55"]
    pd.testing.assert_frame_equal(back["MEDIAEVAL18_55"], va["MEDIAEVAL18_55"])
    fear = write_fear_run_2018(
        tmp_path / "fear.txt", {"MEDIAEVAL18_54": [[3, 7.5], [20, 21]], "MEDIAEVAL18_55": []}
    )
    assert fear.read_text().splitlines() == [
        "Movie\tStart\tEnd",
        "MEDIAEVAL18_54\t3\t7.5",
        "MEDIAEVAL18_54\t20\t21",
    ]
    assert read_fear_run_2018(fear)["MEDIAEVAL18_54"].tolist() == [[3.0, 7.5], [20.0, 21.0]]
    with pytest.raises(ValueError, match="must end after it starts"):
        write_fear_run_2018(tmp_path / "bad.txt", {"MEDIAEVAL18_54": [[5, 5]]})
    (tmp_path / "broken.txt").write_text("Movie\tTime\tValence\tArousal\nMEDIAEVAL18_54\t0\tx\t0.1\n")
    with pytest.raises(DataError, match=r"broken\.txt:2: non-numeric value .x. in column .Valence."):
        read_run_2018(tmp_path / "broken.txt")
