#!/usr/bin/env bash
# Run on a machine with an NVIDIA GPU, CuPy, torch and pytest (the lent device machine has them):
# the whole test suite on the cuda device (every device-parametrized test runs on cuda; CI runs
# the cpu half, and AUTOGRAD_GPU_TEST_DEVICES=cpu,cuda runs both here, in about twice the time; the
# notebooks execute there too), then ci/gpu_parity.py (torch on cuda as the oracle),
# then the GPU benchmarks. Writes gpu_tests.log, junit.xml, gpu_parity.json, results.json and the
# benchmark tables to ./gpu_results; where $OUT is set (the device tool, which brings back at most
# 8 files), they also go there as one gpu_results.tar.gz beside results.json and gpu_tests.log.
set -uo pipefail
cd "$(dirname "$0")/.."
out="$PWD/gpu_results"
mkdir -p "$out"
pack() {
  [ -n "${OUT:-}" ] || return 0
  tar czf "$OUT/gpu_results.tar.gz" -C "$(dirname "$out")" "$(basename "$out")"
  cp "$out/gpu_tests.log" "$out/results.json" "$OUT/" 2>/dev/null
  return 0
}
trap pack EXIT
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export AUTOGRAD_GPU_TEST_DEVICES="${AUTOGRAD_GPU_TEST_DEVICES:-cuda}"

# The lent GPU machine has no network and lacks the notebook test's packages (nbclient, nbformat,
# ipykernel and their needs): wheels fetched beforehand into .whl/ (see ci/fetch_wheels.sh) are
# installed first, so that tests/test_notebooks.py executes the notebooks on the GPU too.
if compgen -G ".whl/*.whl" > /dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && export PYTHONPATH="/tmp/site:$PYTHONPATH"
fi

python3 - <<'PY' 2>&1 | tee "$out/environment.txt"
import autograd_gpu as ag, autograd_gpu.__main__ as m
assert ag.cuda.is_available(), "ci/gpu.sh needs a usable GPU"
m.report()
PY

# One device call may run 10 minutes: the suite runs on several workers (pytest-xdist is on the
# lent machine), the parity script runs beside it, and each stage has a time budget, so that a hang
# in one stage still leaves the others their turn. GPU_TEST_WORKERS=0 runs the suite in one process.
# Every case of ci/gpu_parity.py (every op, layer, loss, optimiser and ResNet-18, 2^24 cases
# included) on cuda against torch on cuda.
timeout "${GPU_PARITY_BUDGET_S:-330}" python3 ci/gpu_parity.py --device cuda --large \
  --json "$out/gpu_parity.json" > "$out/gpu_parity.txt" 2>&1 &
parity_pid=$!

workers="${GPU_TEST_WORKERS:-12}"  # of the lent machine's 16 cores; the parity script has one
parallel=()
if [ "$workers" != 0 ] && python3 -c "import xdist" 2>/dev/null; then
  parallel=(-n "$workers")
fi
timeout "${GPU_TEST_BUDGET_S:-330}" python3 -m pytest -q -p no:cacheprovider -p no:benchmark \
  "${parallel[@]}" -rfE --durations=15 --junitxml="$out/junit.xml" "$@" 2>&1 \
  | tee "$out/gpu_tests.log"
test_rc=${PIPESTATUS[0]}

wait "$parity_pid"
parity_rc=$?
tail -40 "$out/gpu_parity.txt"

# The benchmarks run last, alone on the device, so that nothing else shares it while they time
# (GPU_BENCHMARKS=0 leaves them out: a correctness-only run).
bench_rc=0
[ "${GPU_BENCHMARKS:-1}" = 0 ] || for script in benchmarks/bench_*.py; do
  name=$(basename "$script" .py)
  timeout "${GPU_BENCH_BUDGET_S:-45}" python3 "$script" --device cuda --json "$out/$name.json" 2>&1 | tee "$out/$name.txt" || bench_rc=1
done

python3 ci/summarize.py "$out" > "$out/results.json"
cat "$out/results.json"
exit $(( test_rc || parity_rc || bench_rc ))
