#!/bin/bash
# A/A and A/B pairs for `descent-bench diff`, as quoted in docs/performance.md:
#   docs/experiments/diff_pairs.sh OUT_DIR NAME        two runs one after the other
#   docs/experiments/diff_pairs.sh OUT_DIR NAME load   the second beside two busy loops
# Writes NAME-a.json, NAME-b.json and NAME-diff.txt (the diff, its exit status and that of
# --fail-slower 20). Run it on an otherwise idle machine. COMPARE_ARGS (e.g. "--budget 60")
# is passed on to both runs.
set -u
out=$1 name=$2 load=${3:-}
mkdir -p "$out"
descent-bench compare --sizes 2000,200000 ${COMPARE_ARGS:-} --json "$out/$name-a.json" > /dev/null
loops=()
if [ "$load" = load ]; then
    python -c "while True: pass" & loops+=($!)
    python -c "while True: pass" & loops+=($!)
fi
descent-bench compare --sizes 2000,200000 ${COMPARE_ARGS:-} --json "$out/$name-b.json" > /dev/null
if [ ${#loops[@]} -gt 0 ]; then kill "${loops[@]}"; fi
{
    descent-bench diff "$out/$name-a.json" "$out/$name-b.json"
    echo "exit $?"
    descent-bench diff "$out/$name-a.json" "$out/$name-b.json" --fail-slower 20 > /dev/null
    echo "fail-slower-20 exit $?"
} > "$out/$name-diff.txt"
