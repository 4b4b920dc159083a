"""Shared utilities every stage may use; nothing here imports another emolib package.

* :mod:`~emolib.core.errors`: the errors raised on bad input (naming file and line) and on a full disk;
* :mod:`~emolib.core.atomic`, :mod:`~emolib.core.h5write`: atomic text, JSON and HDF5 writes;
* :mod:`~emolib.core.files`, :mod:`~emolib.core.paths`: file discovery, line numbering, contained paths;
* :mod:`~emolib.core.options`: values of command line options and the error a bad one raises;
* :mod:`~emolib.core.backends`, :mod:`~emolib.core.precision`: the Keras device, input gradients,
  mixed precision;
* :mod:`~emolib.core.prefetch`: bounded background prefetch;
* :mod:`~emolib.core.workers`, :mod:`~emolib.core.distributed`: worker processes (one start-method rule,
  thread limits set in the workers) and Dask clusters;
* :mod:`~emolib.core.figures`: figures saved into a run's folder and glued for the book.
"""
