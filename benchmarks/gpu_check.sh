#!/usr/bin/env bash
# GPU check (issue 13): on a CUDA machine with JAX and PyTorch, no
# TensorFlow and no network, run with the JAX and the PyTorch backend
#   1. the no-host-sync checks (tests/gpu: JAX transfer guard around the
#      compiled step, PyTorch profiler device-to-host copies per step),
#   2. the backend-agnostic tests (schedules, callbacks, momentum, resume),
#   3. the overhead benchmark (benchmarks/schedule_overhead.py, short).
#
# Keras is not on that machine and cannot be downloaded there, so it
# travels as wheels:
#   benchmarks/gpu_check.sh prepare   # here, with PyPI: wheels into .whl/
#   benchmarks/gpu_check.sh run       # there, from the repository root
# (the device tool: carry ".whl", command "bash benchmarks/gpu_check.sh
# run"; add "/.whl/" to .git/info/exclude first). Everything is written to
# $OUT (default gpu_check_out/): gpu_check.log and one log per phase.
# Each phase has its own time limit, so the whole run ends within ~9 min.
set -uo pipefail
cd "$(dirname "$0")/.."
WHEELS=${WHEELS:-.whl}
KERAS_VERSION=${KERAS_VERSION:-3.15.1}

prepare() {
    # Keras and the two requirements the GPU image lacks (it has numpy,
    # absl-py, rich, h5py, ml-dtypes, packaging, tensorboard); Python 3.12.
    python3 -m pip download --no-deps --only-binary=:all: \
        --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform any \
        -d "$WHEELS" "keras==$KERAS_VERSION" namex optree
}

phase() {  # phase NAME SECONDS COMMAND...
    local name=$1 seconds=$2
    shift 2
    echo "== $name (limit ${seconds}s): $*" | tee -a "$OUT/gpu_check.log"
    local start=$SECONDS
    timeout "$seconds" "$@" >"$OUT/$name.log" 2>&1
    local rc=$?
    tail -n 25 "$OUT/$name.log" >>"$OUT/gpu_check.log"
    echo "== $name: exit $rc after $((SECONDS - start))s" |
        tee -a "$OUT/gpu_check.log"
}

run() {
    OUT=${OUT:-gpu_check_out}
    mkdir -p "$OUT"
    python3 -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target /tmp/site "$WHEELS"/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
    {
        date -u
        nvidia-smi -L
        python3 -c 'import sys, jax, torch, keras
print(sys.version.split()[0], "jax", jax.__version__, jax.devices(),
      "torch", torch.__version__, torch.cuda.is_available(),
      "keras", keras.__version__)'
        python3 -c 'import tensorflow' 2>/dev/null &&
            echo "TensorFlow is installed" || echo "no TensorFlow"
    } 2>&1 | tee "$OUT/gpu_check.log"
    local pytest=(python3 -m pytest -q -p no:cacheprovider -rfEsxX)
    for backend in jax torch; do
        export KERAS_BACKEND=$backend
        phase "$backend-no-host-sync" 120 "${pytest[@]}" tests/gpu
        phase "$backend-tests" 150 "${pytest[@]}" tests/schedules \
            tests/callbacks tests/test_momentum.py tests/test_resume.py
        phase "$backend-overhead" 120 python3 \
            benchmarks/schedule_overhead.py --reps 5 --samples 16000
    done
}

case "${1:-run}" in
prepare) prepare ;;
run) run ;;
*)
    echo "usage: $0 prepare|run" >&2
    exit 2
    ;;
esac
