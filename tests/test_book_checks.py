"""The page checks of the book test, pinned on small hand-written pages in Jupyter Book 1's HTML shape."""

from __future__ import annotations

from book_checks import MIN_PROSE_SHARE, inspect_page

OPENER = "<p>This chapter shows one thing. It matters for a reason. Read on.</p>"
RUN_BOX = (
    '<div class="admonition tip"><p class="admonition-title">Run this chapter</p>'
    "<pre>papermill notebooks/04.ipynb outputs/04.ipynb</pre>"
    '<div class="admonition dropdown"><p class="admonition-title">Parameters</p>'
    "<table><tr><td>seed</td><td>0</td></tr></table></div></div>"
)
FOLDED_PARAMS = (
    '<div class="cell tag_parameters tag_hide-input docutils container"><details class="hide above-input">'
    '<summary>Show code cell source</summary><div class="cell_input docutils container"><pre>'
    + "seed = 0  # the seed\n" * 30
    + "</pre></div></details></div>"
)
PROSE = "<p>" + "A sentence a reader reads about the figure. " * 20 + "</p>"


def page(*parts: str) -> str:
    return "<html><body><article><h1>Title</h1>" + "".join(parts) + "</article></body></html>"


def test_a_well_made_chapter_passes() -> None:
    report = inspect_page(page(OPENER, FOLDED_PARAMS, RUN_BOX, PROSE))
    assert report.problems("ch") == []
    assert report.prose_share >= MIN_PROSE_SHARE and report.has_run_box and report.has_opener


def test_library_log_lines_are_found() -> None:
    noisy = (
        '<div class="cell_output"><pre>WARNING: All log messages before absl::InitializeLog() is called'
        " are written to STDERR\nI0000 cudart_stub.cc:31] Could not find cuda drivers on your machine\n"
        "/x/tqdm/auto.py:21: TqdmWarning: IProgress not found\n[IPKernelApp] ERROR | KeyboardInterrupt caught"
        "</pre></div>"
    )
    report = inspect_page(page(OPENER, FOLDED_PARAMS, RUN_BOX, PROSE, noisy))
    assert len(report.log_lines) == 4 and "library log line" in report.problems("ch")[0]


def test_unfolded_parameters_missing_opener_and_box_are_found() -> None:
    unfolded = FOLDED_PARAMS.replace('<details class="hide above-input">', "<div>").replace(
        "</details>", "</div>"
    )
    problems = "\n".join(inspect_page(page(unfolded, PROSE)).problems("ch"))
    assert "parameters cell is shown unfolded" in problems
    assert "no opening paragraph" in problems and "Run this chapter" in problems


def test_an_opener_is_two_to_four_sentences() -> None:
    one = inspect_page(page("<p>Only one sentence here.</p>", RUN_BOX, PROSE))
    five = inspect_page(page("<p>" + "A sentence. " * 5 + "</p>", RUN_BOX, PROSE))
    assert not one.has_opener and not five.has_opener


def test_visible_code_counts_against_prose_and_folded_code_does_not() -> None:
    shown_code = (
        '<div class="cell"><div class="cell_input"><pre>' + "x = compute(y)\n" * 200 + "</pre></div></div>"
    )
    report = inspect_page(page(OPENER, FOLDED_PARAMS, RUN_BOX, PROSE, shown_code))
    assert report.prose_share < MIN_PROSE_SHARE
    assert "prose" in report.problems("ch")[-1]


def test_a_figure_rendered_as_its_text_repr_is_found() -> None:
    placeholder = (
        "<figure><pre>&lt;Figure size 900x460 with 2 Axes&gt;</pre><figcaption>Fig. 1</figcaption></figure>"
    )
    report = inspect_page(page(OPENER, FOLDED_PARAMS, RUN_BOX, PROSE, placeholder))
    assert report.figures_as_text == 1 and "shown as text" in report.problems("ch")[0]
