#!/usr/bin/env bash
# Runs the differential test of custodia's field verdicts: installs the
# pinned reference implementations (requirements.txt) into a virtual
# environment under target/, builds the `verdicts` example and compares.
#
#   scripts/differential/run.sh                   # the full run, 60,000 cases
#   scripts/differential/run.sh --cases 6000      # a smaller one
#   scripts/differential/run.sh --debug ...       # with a debug build (CI)
#
# Other arguments go to differential.py (--seed, --kinds, --show N).
set -euo pipefail
cd "$(dirname "$0")/../.."

profile=release
if [[ "${1:-}" == "--debug" ]]; then
    profile=debug
    shift
fi

venv=target/differential-venv
requirements=scripts/differential/requirements.txt
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi

if [[ "$profile" == release ]]; then
    cargo build --quiet --release --example verdicts
else
    cargo build --quiet --example verdicts
fi
exec "$venv/bin/python" scripts/differential/differential.py \
    --binary "target/$profile/examples/verdicts" "$@"
