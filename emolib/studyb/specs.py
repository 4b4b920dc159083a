"""What one Study B experiment trains, written down once: a frozen spec built from notebook 05's parameters.

An experiment (:class:`~emolib.studyb.dataset.Experiment`: features, target, split, head) is trained
with sizes, a budget and a recipe. :class:`ExperimentSpec` holds all of them, as they are used: no
value is replaced further down (the pooled compound head's weight decay at ridge scale, the paper's
recipe for every network but the audio scene-label one, the hidden units of the paper's head are
written into the spec by :meth:`Settings.spec`, the one place that turns the notebook's parameters into
specs). :func:`~emolib.studyb.experiments.run_experiment` takes a spec and the data.

The paper's sizes (hidden units, epochs, momentum) come from one table, :data:`emolib.studyb.PAPER_BUDGET`
(or the tiny sample's :data:`~emolib.studyb.TINY_BUDGET`), through :func:`emolib.studyb.budget`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from emolib.studyb import PAPER_BUDGET
from emolib.studyb.dataset import Experiment
from emolib.studyb.models import POOLED_VOC_L2
from emolib.studyb.recipes import PAPER, LabelRecipe

__all__ = ["ExperimentSpec", "Settings"]


@dataclass(frozen=True)
class ExperimentSpec:
    """One experiment and everything it is trained with.

    Attributes
    ----------
    experiment
        Name, features, target, split and head.
    epochs
        Epochs of every network it trains.
    fold
        Fold of ``oso`` / ``omo``.
    units
        Hidden units of the paper's head on the frozen encoder (video experiments; unused otherwise).
    bn_momentum
        Momentum of that head's batch normalisation.
    l2
        Weight decay of the hidden layers, or of the read-out of the pooled head: the value the network
        gets (the pooled compound head's is at ridge scale, :data:`~emolib.studyb.models.POOLED_VOC_L2`).
    dropout
        Dropout on the pooled features of the pooled head (0 for every other network).
    recipe
        How the network is trained and thresholded (:mod:`~emolib.studyb.recipes`): the chosen one for
        the audio scene-label network, the paper's for every other.
    voc_lags
        Compounds: the response lags tried, the best on validation kept; empty: the data's own lag.
    batch_size
        Samples per batch (the audio networks take at least 32).
    seed
        Random seed (an ensemble's members take the next ones).
    restore_best
        Keep the weights of the best validation epoch.
    paper_beside
        Also train the paper's network on the same rows and score it beside (scene labels with a
        recipe other than the paper's).
    """

    experiment: Experiment
    epochs: int
    fold: int = 0
    units: int = int(PAPER_BUDGET["label_units"])
    bn_momentum: float = float(PAPER_BUDGET["head_bn_momentum"])
    l2: float = 0.0
    dropout: float = 0.0
    recipe: LabelRecipe = PAPER
    voc_lags: tuple[int, ...] = ()
    batch_size: int = 8
    seed: int = 0
    restore_best: bool = True
    paper_beside: bool = False

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError(f"{self.experiment.name}: epochs must be at least 1, got {self.epochs}")
        if self.l2 < 0 or not 0 <= self.dropout < 1:
            raise ValueError(f"{self.experiment.name}: l2 must be >= 0 and dropout in [0, 1)")
        if self.experiment.target == "labels" and self.voc_lags:
            raise ValueError(f"{self.experiment.name}: scene labels have no response lag")
        if self.recipe != PAPER and (self.experiment.features, self.experiment.target) != ("audio", "labels"):
            raise ValueError(f"{self.experiment.name}: only the audio scene-label network takes a recipe")

    @property
    def labels(self) -> bool:
        """Whether the target is the scene labels (else the compounds)."""
        return self.experiment.target == "labels"

    @property
    def audio(self) -> bool:
        """Whether the input is the 193 audio features (else the encoder's code)."""
        return self.experiment.features == "audio"

    @property
    def head(self) -> str:
        """The video head (``paper`` or ``pooled``); ``paper`` when the experiment names none."""
        return self.experiment.head or "paper"

    @property
    def pooled(self) -> bool:
        """A video experiment with the pooled read-out."""
        return not self.audio and self.head == "pooled"

    def paper(self) -> ExperimentSpec:
        """The same experiment with the paper's recipe, nothing trained beside it."""
        return replace(self, recipe=PAPER, paper_beside=False)

    def at(self, split: str, fold: int) -> ExperimentSpec:
        """The same experiment on another split and fold."""
        return replace(self, experiment=replace(self.experiment, split=split), fold=fold)

    def with_lags(self, lags: Sequence[int]) -> ExperimentSpec:
        """The same compound experiment trying these lags (distinct, sorted)."""
        return replace(self, voc_lags=tuple(sorted({int(lag) for lag in lags})))


@dataclass(frozen=True)
class Settings:
    """The parameters of notebook 05 that shape its experiments, and the budget they start from.

    Attributes
    ----------
    budget
        Training lengths and sizes (:func:`emolib.studyb.budget`): ``head_epochs``, ``audio_epochs``,
        ``label_units``, ``voc_units``, ``head_bn_momentum``, ``l2``.
    fold, seed, batch_size
        As the notebook's parameters.
    recipe
        The audio scene-label network's recipe.
    overrides
        The notebook's explicit values, which replace the budget's: ``head_epochs``, ``audio_epochs``,
        ``head_units`` (both heads' hidden units), ``l2``; ``None`` values are ignored.
    head_dropout
        Dropout of the pooled head.
    pooled_voc_l2
        Weight decay of the pooled compound head (ridge scale).
    voc_lags
        Lags the first compound experiment tries.
    """

    budget: Mapping[str, float]
    fold: int = 0
    seed: int = 0
    batch_size: int = 8
    recipe: LabelRecipe = PAPER
    overrides: Mapping[str, float | None] = field(default_factory=dict)
    head_dropout: float = 0.0
    pooled_voc_l2: float = POOLED_VOC_L2
    voc_lags: tuple[int, ...] = (0,)

    def value(self, key: str) -> float:
        """The notebook's value of ``key`` when it gave one, else the budget's."""
        given = self.overrides.get(key)
        return float(self.budget[key] if given is None else given)

    @property
    def l2(self) -> float:
        """Weight decay of the hidden layers."""
        return self.value("l2")

    def epochs(self, features: str) -> int:
        """Epochs of a video head or of an audio network."""
        return int(self.value("audio_epochs" if features == "audio" else "head_epochs"))

    def units(self, target: str) -> int:
        """Hidden units of the paper's head for a target (``head_units`` when given)."""
        given = self.overrides.get("head_units")
        return int(given or self.budget["label_units" if target == "labels" else "voc_units"])

    def spec(self, experiment: Experiment) -> ExperimentSpec:
        """The spec of one planned experiment, every value as it will be used."""
        audio_labels = (experiment.features, experiment.target) == ("audio", "labels")
        pooled = experiment.features == "video" and (experiment.head or "paper") == "pooled"
        pooled_vocs = pooled and experiment.target == "vocs"
        recipe = self.recipe if audio_labels else PAPER
        return ExperimentSpec(
            experiment=experiment,
            epochs=self.epochs(experiment.features),
            fold=self.fold,
            units=self.units(experiment.target),
            bn_momentum=float(self.budget["head_bn_momentum"]),
            l2=float(self.pooled_voc_l2) if pooled_vocs else self.l2,
            dropout=float(self.head_dropout) if pooled else 0.0,
            recipe=recipe,
            voc_lags=() if experiment.target == "labels" else tuple(sorted(set(self.voc_lags))),
            batch_size=self.batch_size,
            seed=self.seed,
            paper_beside=audio_labels and recipe != PAPER,
        )

    def specs(self, plan: Sequence[Experiment]) -> list[ExperimentSpec]:
        """The spec of every planned experiment, in order."""
        return [self.spec(e) for e in plan]

    def spec_of(self, plan: Sequence[Experiment], name: str) -> ExperimentSpec | None:
        """The spec of the planned experiment called ``name``, or ``None`` when it is not planned."""
        return next((self.spec(e) for e in plan if e.name == name), None)
