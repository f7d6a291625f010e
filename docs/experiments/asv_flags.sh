#!/bin/bash
# False flags and detection of asv's history suite, as quoted in the README
# ("Tracking over commits with asv"):
#   [MACHINE=name] docs/experiments/asv_flags.sh OUT_DIR C0 C1 C2 C3
# C0..C3: four commits that leave the timed code alone. From the repository root, on an
# otherwise idle machine, about 70 minutes on 2 cores. It
# - writes a scratch asv configuration whose results go to OUT_DIR (results/asv stays clean)
#   and whose benchmarks are a frozen copy of HEAD's benchmarks/ (asv imports them anew in
#   every process: editing benchmarks/ meanwhile would change the suite mid-run);
# - makes a scratch branch off C3 whose numpy backend computes every step twice (numba's
#   backend, a subclass, untouched) and runs `asv continuous -f 1.5 C3 <that branch>`;
# - runs the A/A pairs `asv continuous -f 1.5` C0 C1, C1 C2 and C2 C3;
# - prints the rows each flags. The scratch branch and worktrees are removed at the end.
set -eu
if [ $# -ne 5 ]; then
    echo "usage: docs/experiments/asv_flags.sh OUT_DIR C0 C1 C2 C3" >&2
    exit 2
fi
out=$(realpath -m "$1")
shift
commits=("$@")
base=${commits[3]}
root=$(git rev-parse --show-toplevel)
mkdir -p "$out"
cleanup() {
    git worktree remove --force "$out/bench" 2> /dev/null || true
    git worktree remove --force "$out/slow" 2> /dev/null || true
    git worktree prune
    git branch -D asv-flags-slow-numpy > /dev/null 2>&1 || true
}
trap cleanup EXIT
git worktree add -q --detach "$out/bench" HEAD
git worktree add -q --detach "$out/slow" "$base"
cat >> "$out/slow/backends/numpy_backend.py" << 'EOF'


# Every step of the numpy backend itself computed twice: a 2x regression to detect.
_original_loop = Backend.compile_loop
_original_step = Backend.compile_step


def _doubled_loop(self, step):  # type: ignore[no-untyped-def]
    if type(self) is not NumpyBackend:
        return _original_loop(self, step)
    ops = self.ops

    def run(params, data, lr, k):  # type: ignore[no-untyped-def]
        for _ in range(k):
            step(ops, params, data, lr)
            params = step(ops, params, data, lr)
        return params

    return run


def _doubled_step(self, fn):  # type: ignore[no-untyped-def]
    if type(self) is not NumpyBackend:
        return _original_step(self, fn)

    def twice(*args):  # type: ignore[no-untyped-def]
        fn(*args)
        return fn(*args)

    return twice


NumpyBackend.compile_loop = _doubled_loop  # type: ignore[method-assign]
NumpyBackend.compile_step = _doubled_step  # type: ignore[method-assign]
EOF
git -C "$out/slow" checkout -q -b asv-flags-slow-numpy
git -C "$out/slow" -c user.name=asv-flags -c user.email=asv-flags@localhost \
    commit -q --no-verify -am "numpy step doubled (asv_flags.sh)"
python - "$root" "$out" << 'EOF'
import json, sys
root, out = sys.argv[1:]
conf = json.load(open(f"{root}/asv.conf.json"))
bench = f"{out}/bench/benchmarks"
conf.update(repo=root, benchmark_dir=bench, env_dir=f"{root}/.asv/env",
            results_dir=f"{out}/results", html_dir=f"{out}/html")
conf["install_command"] = [c.replace("{conf_dir}/benchmarks", bench) for c in conf["install_command"]]
json.dump(conf, open(f"{out}/asv.conf.json", "w"), indent=1)
EOF
machine=${MACHINE:-$(hostname)}
asv machine --config "$out/asv.conf.json" --machine "$machine" --yes > /dev/null
conf=("--config" "$out/asv.conf.json" "--machine" "$machine")
timed='^bench_descent\.(SineFit|Paraboloid)\.time_'
continuous() {  # NAME OLD NEW: asv continuous, its time and the rows it flags
    local start=$SECONDS
    asv continuous "${conf[@]}" --record-samples -f 1.5 -b "$timed" "$2" "$3" \
        > "$out/$1.txt" 2>&1 || true
    echo "$1 ($2 -> $3): $((SECONDS - start)) s, $(grep -cE '^\| [+-] ' "$out/$1.txt") rows flagged"
    grep -E '^\| [+-] ' "$out/$1.txt" | sed -E 's/ +/ /g' || true
}
continuous doubled "$base" asv-flags-slow-numpy
continuous aa1 "${commits[0]}" "${commits[1]}"
continuous aa2 "${commits[1]}" "${commits[2]}"
continuous aa3 "${commits[2]}" "${commits[3]}"
