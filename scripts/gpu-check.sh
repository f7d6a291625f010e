#!/usr/bin/env bash
# First contact with an NVIDIA machine: record it, refuse to go on if the GPU paths are not
# really on the GPU, then run the tests, the agreement matrix, the timing-honesty and
# ceiling checks, compare and a quick asv run. Raw output goes to OUTDIR; what is worth
# committing (compare.json, its PNG, a README with every command) to results/<gpu-name>/.
#
#   scripts/gpu-check.sh OUTDIR
#
# From anywhere in the repository, in a virtual environment with
#   pip install -e ".[test,cuda12]"    (or cuda13)
# Stops at the first failed check (exit 1) and says why; everything before it stays in OUTDIR.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: scripts/gpu-check.sh OUTDIR" >&2
    exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
commands="$out/commands.txt"
: >"$commands"
check() { python scripts/gpu_check.py "$@"; }

# The command as README.md shows it.
shown() {
    local line="$*"
    line=${line//"$out"\//}
    printf '%s' "${line/#check /python scripts/gpu_check.py }"
}

# Run a command, recording it.
run() {
    printf '%s\n' "$(shown "$@")" >>"$commands"
    "$@"
}

# Run a command, recording it; its stdout to the file given first.
record() {
    local target=$1
    shift
    printf '%s > %s\n' "$(shown "$@")" "${target#"$out"/}" >>"$commands"
    "$@" >"$target"
}

step() { printf '\n== %s\n' "$*" >&2; }

step "the machine"
if command -v nvidia-smi >/dev/null; then
    record "$out/nvidia-smi.txt" nvidia-smi -q
else
    echo "nvidia-smi not found" >"$out/nvidia-smi.txt"
fi
printf 'descent-bench info --json > info.json 2> info.stderr\n' >>"$commands"
descent-bench info --json >"$out/info.json" 2>"$out/info.stderr"
run check preflight "$out/info.json" "$out/info.stderr" --nvidia-smi "$out/nvidia-smi.txt"
name=$(check name "$out/info.json")
results="results/$name"
mkdir -p "$results"
gpus=$(grep -c '^GPU ' "$out/nvidia-smi.txt" || true)

step "the test suite"
record "$out/tests.txt" python -m pytest -q

step "agreement: both dtypes, both phrasings (jax and jax-standard), four sizes"
devices=1
if [[ $gpus -ge 2 ]]; then devices=1,2; fi
if [[ $gpus -ge 4 ]]; then devices=1,2,4; fi
for dtype in float32 float64; do
    record "$out/agreement-$dtype.txt" descent-bench compare --backends jax,cupy \
        --problems sine --sizes 2000,200000,1000000,10000000 --dtype "$dtype" \
        --devices "$devices" --json "$out/agreement-$dtype.json"
done
run check agreement "$out"/agreement-float32.json "$out"/agreement-float64.json

step "timing honesty: µs/iter at K = 10, 100, 1000; device events against host time"
record "$out/timing.txt" check timing "$out/timing.json"

step "compare (the default run) and its plot"
record "$out/compare.txt" descent-bench compare --json "$results/compare.json" \
    --plot "$results/compare.png"

step "the ceiling against a copy kernel"
record "$out/ceiling.txt" check ceiling "$results/compare.json" "$out/ceiling.json"

step "a quick asv run (the CUDA configuration, this environment)"
record "$out/asv-machine.txt" asv machine --config asv.cuda.conf.json --yes --machine "$name"
record "$out/asv-run.txt" asv run --config asv.cuda.conf.json --python=same --quick \
    --machine "$name" --set-commit-hash "$(git rev-parse HEAD)"

cp "$out/nvidia-smi.txt" "$out/info.json" "$out/timing.json" "$out/ceiling.json" "$results/"
run check readme "$results" "$commands"
step "done: $results (raw output in $out)"
