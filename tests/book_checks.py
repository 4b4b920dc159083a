"""What a reader sees on a rendered chapter page: library noise, folded plumbing, opener, run box, prose.

Used by ``test_book.py`` on the built book and pinned by ``test_book_checks.py`` on small pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag

LOG_PATTERNS = [
    r"absl::InitializeLog",
    r"oneDNN custom operations",
    r"cudart_stub",
    r"Could not find cuda drivers",
    r"cuda_platform\.cc",
    r"failed call to cuInit",
    r"cpu_feature_guard",
    r"\bUserWarning:",
    r"\bDeprecationWarning:",
    r"\bFutureWarning:",
    r"\bTqdmWarning:",
    r"\[IPKernelApp\]",
    r"KeyboardInterrupt caught",
]
"""Lines of library start-up logs and warnings a reader cannot act on: none may reach a chapter page."""
RUN_BOX_TITLE = "Run this chapter"
MIN_PROSE_SHARE = 0.70
"""At least this share of a chapter's visible text is not code (code behind a toggle not counted)."""


@dataclass
class PageReport:
    """What one chapter page shows a reader."""

    log_lines: list[str] = field(default_factory=list)
    figures_as_text: int = 0
    unfolded_parameters: int = 0
    has_opener: bool = False
    has_run_box: bool = False
    visible_code_chars: int = 0
    visible_chars: int = 0

    @property
    def prose_share(self) -> float:
        """Share of the visible text that is not code."""
        return 1.0 - self.visible_code_chars / max(1, self.visible_chars)

    def problems(self, page: str) -> list[str]:
        """Every way the page falls short, one line each (empty: the page reads well)."""
        found = [f"{page}: library log line on the page: {line!r}" for line in self.log_lines]
        if self.figures_as_text:
            found.append(
                f"{page}: {self.figures_as_text} figure(s) shown as text ('<Figure size ...>'), not images"
            )
        if self.unfolded_parameters:
            found.append(f"{page}: the parameters cell is shown unfolded")
        if not self.has_opener:
            found.append(f"{page}: no opening paragraph of 2-4 sentences right under the title")
        if not self.has_run_box:
            found.append(f"{page}: no '{RUN_BOX_TITLE}' box with a papermill command")
        if self.prose_share < MIN_PROSE_SHARE:
            found.append(
                f"{page}: only {self.prose_share:.0%} of the visible text is prose (< {MIN_PROSE_SHARE:.0%})"
            )
        return found


def _text(node: Tag) -> str:
    return re.sub(r"\s+", " ", node.get_text(" ")).strip()


def _folded(node: Tag) -> bool:
    """Inside a collapsed toggle: a ``<details>`` element (hide-input) or a dropdown admonition."""
    for parent in node.parents:
        if parent.name == "details":
            return True
        if parent.name == "div" and "dropdown" in (parent.get("class") or []):
            return True
    return False


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*{(`])", text) if s.strip()])


def inspect_page(html: str) -> PageReport:
    """Read one rendered chapter page (Jupyter Book 1 HTML) as a reader would."""
    soup = BeautifulSoup(html, "html.parser")
    article = soup.find("article") or soup.body or soup
    report = PageReport()
    text = article.get_text("\n")
    for line in text.splitlines():
        if any(re.search(p, line) for p in LOG_PATTERNS):
            report.log_lines.append(line.strip()[:160])
    report.figures_as_text = len(re.findall(r"<Figure size [\d.]+x[\d.]+ with", text))
    for cell in article.select("div.cell.tag_parameters"):
        source = cell.select_one("div.cell_input")
        if source is not None and not _folded(source):
            report.unfolded_parameters += 1
    title = article.find("h1")
    if title is not None:
        first = title.find_next(lambda t: isinstance(t, Tag) and t.name in ("p", "div"))
        report.has_opener = bool(
            first is not None and first.name == "p" and 2 <= _sentences(_text(first)) <= 4
        )
    for box in article.select("div.admonition"):
        box_title = box.select_one(".admonition-title")
        if box_title is not None and RUN_BOX_TITLE in _text(box_title) and "papermill" in _text(box):
            report.has_run_box = True
    code = sum(len(_text(node)) for node in article.select("div.cell_input") if not _folded(node))
    folded = sum(len(_text(node)) for node in article.select("details, div.dropdown") if not _folded(node))
    report.visible_code_chars = code
    report.visible_chars = max(0, len(_text(article)) - folded)
    return report
