#!/usr/bin/env bash
# Fetches, on a machine with network, the wheels ci/gpu.sh installs on the offline GPU machine
# (Python 3.12, x86_64): the notebook test's packages and what they need beyond what is there.
# Run from the repository root; .whl/ is ignored by git and travels with the device call (carry).
set -euo pipefail
cd "$(dirname "$0")/.."
exclude="$(git rev-parse --git-dir)/info/exclude"
mkdir -p "$(dirname "$exclude")"
grep -qx '/.whl/' "$exclude" 2>/dev/null || echo /.whl/ >> "$exclude"
python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d .whl nbclient nbformat ipykernel jupyter_client jupyter_core fastjsonschema jsonschema \
  jsonschema-specifications referencing rpds-py attrs traitlets comm debugpy ipython \
  matplotlib-inline nest_asyncio psutil pyzmq tornado platformdirs python-dateutil six \
  decorator jedi parso pexpect ptyprocess prompt_toolkit wcwidth pygments stack_data \
  executing asttokens pure_eval ipython_pygments_lexers
