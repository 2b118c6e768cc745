#!/usr/bin/env bash
# The main job: build sample_project's wheel with `pip wheel`, install it into a fresh
# venv (which gets only the wheel and wasmtime: no Relon tooling), and call its rules
# natively and under wasm, printing the results.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$("$here/scripts/bootstrap.sh")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== building the backend wheel and the sample project's wheel" >&2
"$python" -m pip wheel -q --no-deps -w "$work/backend" "$here" >&2
# Real build isolation: pip fetches setuptools/llvmlite/... and installs our backend
# from the freshly built wheel.
PIP_FIND_LINKS="$work/backend" "$python" -m pip wheel -q --no-deps -w "$work/wheels" \
    "$here/sample_project" >&2
ls "$work/wheels" >&2

echo "== installing it into a fresh venv (wheel + wasmtime only)" >&2
python3 -m venv "$work/venv" >&2
"$work/venv/bin/pip" install -q "$work"/wheels/*.whl wasmtime >&2
cd "$work"
"$work/venv/bin/python" "$here/sample_project/demo.py"
