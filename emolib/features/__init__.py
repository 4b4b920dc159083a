"""Study A features: the step grid, the extractors, the feature store and the extraction runner.

Every movie is cut into steps of 16/30 s (:mod:`emolib.features.steps`): one 16-frame clip at 30 fps
and 112 × 112, and one 23520-sample audio window at 44.1 kHz (with its 98 × 64 log-mel patch,
:mod:`emolib.features.logmel`). Extractors, chosen by name (:data:`REGISTRY`), turn each step
into a feature row; the rows go into a resumable HDF5 store (:mod:`emolib.features.store`), one
file per movie and extractor, and are fused by concatenation on the step grid (or any grid,
:mod:`emolib.features.resample`) when read. The organisers' MediaEval descriptors are imported into the
same store (:mod:`emolib.features.imported`); :func:`ensure_features` makes the store hold what a model
asks for, importing or extracting as each name needs.

>>> from emolib.features import create, extract, find_movies, FeatureStore  # doctest: +SKIP
>>> report = extract(find_movies("data/sample"), [create("colour-motion"), create("logmel-stats")],
...                  FeatureStore("data/sample/features"))  # doctest: +SKIP
>>> store = FeatureStore("data/sample/features")  # doctest: +SKIP
>>> store.load_fused("Amber_Harbour", ["colour-motion", "logmel-stats"]).data.shape  # doctest: +SKIP
(248, 292)
"""

from .base import Extractor, WeightsRequired, file_sha256
from .ensure import ensure_features
from .imported import import_descriptors
from .logmel import PATCH_SHAPE, logmel_patches
from .pooled import extract_pooled
from .registry import REGISTRY, available, create, entry
from .resample import RowGrid, resample_rows
from .runner import ExtractReport, MovieResult, extract, extract_movie, find_movies
from .steps import StepGrid, iter_clips, iter_windows, prefetch, step_grid
from .store import FeatureStore, FusedFeatures, StoredFeatures, source_id

DEFAULT_STORE_SUBDIR = "features"
"""The store's default place: ``<data_dir>/features``."""

__all__ = [
    "DEFAULT_STORE_SUBDIR",
    "PATCH_SHAPE",
    "REGISTRY",
    "ExtractReport",
    "RowGrid",
    "Extractor",
    "FeatureStore",
    "FusedFeatures",
    "MovieResult",
    "StepGrid",
    "StoredFeatures",
    "WeightsRequired",
    "available",
    "create",
    "ensure_features",
    "entry",
    "extract",
    "extract_movie",
    "extract_pooled",
    "file_sha256",
    "find_movies",
    "import_descriptors",
    "iter_clips",
    "iter_windows",
    "logmel_patches",
    "prefetch",
    "resample_rows",
    "source_id",
    "step_grid",
]
