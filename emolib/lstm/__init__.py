"""Study A models: the stateful LSTM of the thesis (Figures 3.11 and 3.12), trained fast and correctly.

* :mod:`emolib.lstm.batching`: movie streams cut into chunks with per-row state resets (numpy);
* :mod:`emolib.lstm.models`: the Keras 3 models and the per-row state reset;
* :mod:`emolib.lstm.data`: fused features, step targets and window ground truth per movie;
* :mod:`emolib.lstm.training`: training in the ``parallel``, ``faithful`` and ``stateless`` modes;
* :mod:`emolib.lstm.run`: one complete fold run (what notebook 04 executes).
"""
