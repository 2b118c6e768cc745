#!/usr/bin/env bash
# Run the whole test suite on a fresh machine (installs what it needs first).
# Extra arguments go to pytest, e.g. `scripts/test.sh -k loader -x`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$("$here/scripts/bootstrap.sh")"
cd "$here"
"$python" -m ruff check relon_build_backend tests
"$python" -m mypy relon_build_backend
# every tool is installed above: a test that would skip for lack of one fails instead
export RELON_TEST_REQUIRE_TOOLS=1
exec "$python" -m pytest "$@"
