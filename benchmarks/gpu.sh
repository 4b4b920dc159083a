#!/usr/bin/env bash
# The accelerator figures of emolib on every Keras backend of a GPU server, in one short run.
#
#   benchmarks/gpu.sh [--tiny] [--precision float32 mixed_float16 mixed_bfloat16]
#
# Environment: BACKENDS (Keras backends to run, one process each; default "torch jax"), OUT (folder
# of the JSON reports and logs; default benchmarks/results), PYTHON (default python3).
# If the repository holds a .whl/ folder (keras and its small dependencies, downloaded elsewhere for a
# machine without a package index), the wheels are installed into a temporary prefix first. emolib
# itself is used from this checkout (PYTHONPATH), not installed. See benchmarks/README.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}
out=${OUT:-$root/benchmarks/results}
mkdir -p "$out"
shopt -s nullglob
wheels=("$root"/.whl/*.whl)
if ((${#wheels[@]})); then
  prefix=$(mktemp -d)
  trap 'rm -rf "$prefix"' EXIT
  "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$prefix" "${wheels[@]}"
  export PYTHONPATH="$prefix${PYTHONPATH:+:$PYTHONPATH}"
  echo "== installed ${#wheels[@]} carried wheels into $prefix"
fi
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
for backend in ${BACKENDS:-torch jax}; do
  start=$SECONDS
  KERAS_BACKEND=$backend "$python" "$root/benchmarks/gpu.py" --out "$out" "$@" 2>&1 | tee "$out/gpu-$backend.log"
  echo "== $backend: $((SECONDS - start)) s"
done
