#!/usr/bin/env bash
# The accelerator figures of emolib on every Keras backend of a GPU server, in one short run.
#
#   benchmarks/gpu.sh [--tiny] [--precision float32 mixed_float16 mixed_bfloat16]
#
# Environment: BACKENDS (Keras backends to run, one process each; default "torch jax"), OUT (folder
# of the JSON reports and logs; default benchmarks/results), PYTHON (default python3), BUDGET_S
# (seconds per backend, default 240: each backend's process shares them out between its parts and
# is stopped 30 s after; 0 for no limit; --tiny has none).
# If the repository holds a .whl/ folder (keras and its small dependencies, downloaded elsewhere for a
# machine without a package index: benchmarks/wheels.sh), the wheels are installed into a temporary
# prefix first. emolib itself is used from this checkout (PYTHONPATH), not installed. A backend that
# fails, or a part of one, is reported and the rest carries on; the exit status is 0 when every
# backend's report was written. See benchmarks/README.md.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-python3}
out=${OUT:-$root/benchmarks/results}
mkdir -p "$out"
tiny=0
for arg in "$@"; do [[ $arg == --tiny ]] && tiny=1; done
budget=${BUDGET_S:-240}
((tiny)) && budget=0
shopt -s nullglob
wheels=("$root"/.whl/*.whl)
if ((${#wheels[@]})); then
  prefix=$(mktemp -d)
  trap 'rm -rf "$prefix"' EXIT
  "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$prefix" "${wheels[@]}" ||
    echo "== installing the carried wheels failed: going on with what is installed"
  export PYTHONPATH="$prefix${PYTHONPATH:+:$PYTHONPATH}"
  echo "== installed ${#wheels[@]} carried wheels into $prefix"
fi
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
echo "== $(nproc) cores"
"$python" "$root/benchmarks/versions.py"
budget_args=()
((budget > 0)) && budget_args=(--budget-s "$budget")
written=0
backends=(${BACKENDS:-torch jax})
for backend in "${backends[@]}"; do
  start=$SECONDS
  rm -f "$out/accelerator-cpu-$backend.json" "$out/accelerator-gpu-$backend.json" \
    "$out/accelerator-cpu-$backend-tiny.json" "$out/accelerator-gpu-$backend-tiny.json"
  limit=()
  ((budget > 0)) && limit=(timeout --signal=INT --kill-after=20 $((budget + 30)))
  KERAS_BACKEND=$backend "${limit[@]}" "$python" "$root/benchmarks/gpu.py" --out "$out" "${budget_args[@]}" "$@" 2>&1 |
    tee "$out/gpu-$backend.log"
  status=${PIPESTATUS[0]}
  compgen -G "$out/accelerator-*-$backend*.json" >/dev/null && written=$((written + 1))
  echo "== $backend: exit status $status after $((SECONDS - start)) s" | tee -a "$out/gpu-$backend.log"
done
((written == ${#backends[@]}))
