"""How the audio scene-label network is trained and thresholded: the paper's recipe, and a stronger one.

The paper trains its audio network (193 -> 280 -> 300 -> labels) with binary cross-entropy and rounds
its sigmoid outputs at 0.5. On scene labels that are on in 5-30 % of the sequences, such a network
keeps rare labels off. :data:`BALANCED` changes three things:

- **class-balanced loss**: every label's positives and negatives weigh the same in total
  (:class:`~emolib.studyb.losses.LabelBalancedCrossentropy`), as in the logistic baseline;
- **guarded per-label thresholds**: a label with fewer than ``min_positives`` positive validation
  sequences keeps 0.5 (the natural threshold of a balanced loss) and no threshold goes below
  ``threshold_floor``;
- **an ensemble over seeds**: ``seeds`` networks from seeds ``seed``, ``seed + 1``, ... whose
  scores are averaged; the spread of the single networks' scores (mean ± sd) is reported too.

Epoch selection can also use the validation macro AUC with early stopping (``select="auc"``,
``patience``). How the recipe was chosen, on the *validation* rows of the tiny synthetic sample
(l20 and the six one-movie-out folds, three seeds, 300 epochs; ``benchmarks/audio_recipes.py``
repeats it): the balanced loss raised the ensemble's validation weighted F1 from 0.706 to 0.719 (l20)
and 0.708 to 0.719 (omo), and its validation AUC from 0.794 to 0.807 and 0.811 to 0.824. Selecting
the epoch on validation AUC with a patience of 50 stopped at epoch 9 on average (l20) and lowered the
validation F1 to 0.703, so :data:`BALANCED` keeps the epoch of lowest validation loss.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BALANCED", "PAPER", "RECIPES", "LabelRecipe", "recipe"]

SELECTIONS = ("loss", "auc")
"""What chooses the epoch kept: the validation loss, or the validation macro AUC."""


@dataclass(frozen=True)
class LabelRecipe:
    """How one audio scene-label network (or ensemble) is trained and how its thresholds are chosen.

    Attributes
    ----------
    name
        Short name (``paper``, ``balanced``), used in tables and file names.
    balanced
        Class-balanced cross-entropy (:mod:`~emolib.studyb.losses`) instead of the plain one.
    select
        ``"loss"``: keep the epoch of lowest validation loss; ``"auc"``: of highest validation macro AUC.
    patience
        Stop after this many epochs without a better validation loss or AUC (``None``: never).
    seeds
        Networks in the ensemble (consecutive seeds); their scores are averaged.
    min_positives
        Fewest positive validation sequences for a label's threshold to be chosen, else 0.5.
    threshold_floor
        Lowest threshold that may be chosen on validation.
    """

    name: str = "paper"
    balanced: bool = False
    select: str = "loss"
    patience: int | None = None
    seeds: int = 1
    min_positives: int = 1
    threshold_floor: float = 0.0

    def __post_init__(self) -> None:
        if self.select not in SELECTIONS:
            raise ValueError(f"select must be one of {SELECTIONS}, got {self.select!r}")
        if self.seeds < 1:
            raise ValueError(f"an ensemble needs at least one seed, got {self.seeds}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience must be at least 1 epoch, got {self.patience}")
        if not 0 <= self.threshold_floor < 1:
            raise ValueError(f"threshold_floor must be in [0, 1), got {self.threshold_floor}")


PAPER = LabelRecipe()
"""The paper's network as this project reproduces it: plain cross-entropy, epoch of lowest validation
loss, thresholds chosen on validation for every label with a positive validation sequence, one seed."""
BALANCED = LabelRecipe(name="balanced", balanced=True, seeds=3, min_positives=3, threshold_floor=0.1)
"""The stronger recipe (beyond the paper; see the module docstring)."""
RECIPES: dict[str, LabelRecipe] = {r.name: r for r in (PAPER, BALANCED)}
"""Recipes by name, for the ``audio_recipe`` parameter of notebook 05."""


def recipe(name: str) -> LabelRecipe:
    """The recipe called ``name`` (:data:`RECIPES`), or a ``ValueError`` that lists them."""
    if name not in RECIPES:
        raise ValueError(f"unknown audio recipe {name!r}; expected one of {sorted(RECIPES)}")
    return RECIPES[name]
