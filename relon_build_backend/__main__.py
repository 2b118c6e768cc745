"""``python -m relon_build_backend``: the ``relon-build`` command."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
