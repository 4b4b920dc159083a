"""The package's folders are the pipeline's stages: each imports only earlier stages (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("core", "media", "datasets", "features", "synth", "studya", "studyb", "evaluation", "runs")
"""emolib's subpackages in pipeline order: a stage may import the stages before it, never after."""
PEERS = {("studya", "studyb"), ("studyb", "studya")}
"""Pairs of the same rank that must not import each other either."""


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "emolib" else ""


def _imports(path: Path) -> set[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{a.name}" for a in node.names}
    return {m for m in found if m.startswith("emolib.")}


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in (ROOT / "emolib").rglob("*.py")}


def test_the_top_level_holds_at_most_ten_modules() -> None:
    top = sorted(p.name for p in (ROOT / "emolib").glob("*.py"))
    assert len(top) <= 10, top
    packages = sorted(p.parent.name for p in (ROOT / "emolib").glob("*/__init__.py"))
    assert packages == sorted(STAGES)


def test_every_stage_imports_only_earlier_stages() -> None:
    rank = {stage: i for i, stage in enumerate(STAGES)}
    wrong = []
    for name, path in _modules().items():
        here = _stage(name)
        if here not in rank:
            continue
        for target in _imports(path):
            there = _stage(target)
            if there in rank and (rank[there] > rank[here] or (here, there) in PEERS):
                wrong.append(f"{name} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycle_between_modules() -> None:
    modules = _modules()
    names = {n.removesuffix(".__init__") for n in modules}
    graph = {}
    for name, path in modules.items():
        name = name.removesuffix(".__init__")
        graph[name] = {t for t in _imports(path) if t in names} - {name}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt) :] + [nxt] if nxt in trail else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_the_architecture_page_names_every_stage() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text()
    for stage in STAGES:
        assert f"emolib/{stage}/" in text, stage
