#!/usr/bin/env bash
# On a machine that reaches a package index: the wheels an offline GPU node lacks
# (scripts/offline-requirements.txt), for the node's Python, into $OFFLINE_DIR/wheels
# (default offline/, ignored by git: carry it with the working tree). Nothing else: no
# dependency is resolved, so none of the node's own packages is fetched to replace it.
#
#   scripts/offline-wheels.sh                   # for Python 3.12, manylinux x86-64
#   NODE_PYTHON=3.11 scripts/offline-wheels.sh  # for another Python (the rehearsal's)
#
# Exit 0: downloaded; non-zero: pip's own status (its message says which wheel).
set -euo pipefail
cd "$(dirname "$0")/.." || exit 2
dir="${OFFLINE_DIR:-offline}"
version="${NODE_PYTHON:-3.12}"
mapfile -t wanted < <(grep -v -e '^#' -e '^$' scripts/offline-requirements.txt)
"${PYTHON:-python3}" -m pip download --quiet --no-deps --only-binary=:all: \
    --python-version "$version" --implementation cp \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux_2_28_x86_64 --platform any \
    --dest "$dir/wheels" "${wanted[@]}"
echo "offline-wheels: $(find "$dir/wheels" -name '*.whl' | wc -l) wheels, $(du -sh "$dir/wheels" | cut -f1), in $dir/wheels"
