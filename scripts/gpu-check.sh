#!/usr/bin/env bash
# First contact with an NVIDIA machine, in at most about six minutes: the machine record,
# info, agreement of every GPU row (both dtypes), timing honesty, compare (float32 and
# float64), the ceiling against a copy kernel and the card's nominal peak at N = 1e8, the
# GPU-relevant tests and, last and optional, a quick asv run. Every step runs whatever failed
# before it, is timed and keeps its stdout and stderr (docs/gpu.md).
#
#   scripts/gpu-check.sh OUTDIR              # the run; OUTDIR/summary.md says what passed
#   scripts/gpu-check.sh --rehearse OUTDIR   # the same steps on the CPU with stand-ins
#   scripts/gpu-check.sh --save OUTDIR       # afterwards: results/<gpu>/ from OUTDIR
#
# GPU_CHECK_FAIL=STEP makes that step fail (to see the rest still run); GPU_CHECK_TIMEOUT=STEP
# makes it hang half-way through its rows (the rows before the limit are kept). Exit 0: every
# step passed; 1: a step failed or timed out (named on stderr and in summary.md); 2: bad
# arguments. $PYTHON picks the interpreter (default python3).
cd "$(dirname "$0")/.." || exit 2
exec "${PYTHON:-python3}" scripts/gpu_run.py "$@"
