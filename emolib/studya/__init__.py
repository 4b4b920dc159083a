"""Study A models and scoring: the stateful LSTM of the thesis (Figures 3.11, 3.12), its folds and baselines.

* :mod:`emolib.studya.batching`: movie streams cut into chunks with per-row state resets (numpy);
* :mod:`emolib.studya.models`: the Keras 3 models and the per-row state reset;
* :mod:`emolib.studya.data`: fused features, step targets and window ground truth per movie;
* :mod:`emolib.studya.training`: training in the ``parallel``, ``faithful`` and ``stateless`` modes;
* :mod:`emolib.studya.folds`: movie-level cross-validation folds;
* :mod:`emolib.studya.baselines`: constant and ridge baselines on the same folds and features;
* :mod:`emolib.studya.scoring`: scoring as MediaEval 2017 scores (per test movie, then the mean);
* :mod:`emolib.studya.run`: one complete fold run (what notebook 04 executes).
"""
