#!/usr/bin/env bash
# On the offline GPU node: the carried wheels ($OFFLINE_DIR/wheels, from
# scripts/offline-wheels.sh) and this project into $OFFLINE_DIR/site, a folder of its own put
# first on PYTHONPATH; nothing of the node's own is installed over, and the script checks that
# numpy, torch, jax and cupy are the same versions after as before. No index is asked.
#
#   scripts/offline-install.sh && export PYTHONPATH=$PWD/offline/site${PYTHONPATH:+:$PYTHONPATH}
#
# Exit 0: installed, the frameworks unchanged; 1: a framework's version changed (named);
# 2: no wheels to install.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2
py="${PYTHON:-python3}"
dir="${OFFLINE_DIR:-offline}"
site="$(cd "$(dirname "$dir")" && pwd)/$(basename "$dir")/site"
shopt -s nullglob
wheels=("$dir"/wheels/*.whl)
if [ ${#wheels[@]} -eq 0 ]; then
    echo "offline-install: no wheels in $dir/wheels (run scripts/offline-wheels.sh where an index is reachable)" >&2
    exit 2
fi
before=$("$py" scripts/offline_versions.py)
"$py" -m pip install --quiet --no-index --no-deps --upgrade --target "$site" "${wheels[@]}"
"$py" -m pip install --quiet --no-index --no-deps --no-build-isolation --upgrade --target "$site" .
after=$(PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}" "$py" scripts/offline_versions.py)
if [ "$before" != "$after" ]; then
    echo "offline-install: the node's frameworks changed: before [$before], after [$after]" >&2
    exit 1
fi
echo "offline-install: into $site; the node's own kept: $after"
