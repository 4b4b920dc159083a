"""Running the pipeline: notebooks through papermill, sweeps over folds, the command line and the lab.

* :mod:`~emolib.runs.notebooks`, :mod:`~emolib.runs.kernels`: the one execution path of the book;
* :mod:`~emolib.runs.run_cache`, :mod:`~emolib.runs.run_times`: which runs of the book need executing
  again (a key of their inputs), and each run's seconds;
* :mod:`~emolib.runs.sweep`, :mod:`~emolib.runs.folds_command`: notebook 04 for every fold and configuration;
* :mod:`~emolib.runs.extract_command`: feature extraction into the resumable store;
* :mod:`~emolib.runs.cli`: ``python -m emolib <command>``;
* :mod:`~emolib.runs.lab`: JupyterLab with the project's kernel;
* :mod:`~emolib.runs.chapter`, :mod:`~emolib.runs.notebook_checks`: the run box of each chapter, checks
  of the committed notebooks.
"""
