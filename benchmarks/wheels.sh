#!/usr/bin/env bash
# Download, on a machine with pip and PyPI, the wheels a GPU server without a package index needs for
# benchmarks/gpu.sh (Keras 3 and its two small dependencies a PyTorch or JAX image lacks, and the
# ffmpeg binary of imageio-ffmpeg for the extraction pipeline), into the repository's .whl/ folder,
# which gpu.sh installs from. About 31 MiB. PYTHON_VERSION (default 3.12) is the server's Python.
#
#   bash benchmarks/wheels.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python3 -m pip download --no-deps --only-binary=:all: --python-version "${PYTHON_VERSION:-3.12}" \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
  --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
  -d "$root/.whl" keras==3.15.1 namex==0.1.0 optree==0.20.0 imageio-ffmpeg==0.6.0
du -sh "$root/.whl"
