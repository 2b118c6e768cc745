"""Running external tools: the one place that starts a subprocess.

:func:`run_tool` logs the command, captures the output and turns a failure into
:class:`~relon_build_backend.errors.ToolFailed` showing the command, exit code and
stderr. :func:`find_program` is a ``which`` that also accepts an explicit path.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import ToolFailed

__all__ = ["find_program", "format_command", "run_tool"]

log = logging.getLogger(__name__)


def format_command(cmd: Sequence[str]) -> str:
    """``cmd`` as a shell-quoted line (for logs and error messages)."""
    return shlex.join(cmd)


def run_tool(
    cmd: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> str:
    """Run ``cmd`` and return its stdout (text).

    ``env`` replaces the environment when given (``None`` inherits ours).
    Raises :class:`ToolFailed` (command, exit code, stderr) when it exits non-zero
    or cannot be started.
    """
    line = format_command(cmd)
    log.debug("running: %s", line)
    try:
        done = subprocess.run(
            list(cmd),
            env=None if env is None else dict(env),
            cwd=cwd,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    except OSError as exc:
        raise ToolFailed(f"could not run `{line}`: {exc.strerror or exc}") from None
    if done.returncode != 0:
        output = (done.stderr.strip() or done.stdout.strip() or "(no output)").replace(
            "\n", "\n    "
        )
        raise ToolFailed(f"`{line}` failed with exit code {done.returncode}:\n    {output}")
    if done.stderr.strip():
        log.debug("%s stderr:\n%s", cmd[0], done.stderr.rstrip())
    return done.stdout


def find_program(name: str, *, path: str | None = None) -> Path | None:
    """The executable ``name`` (a bare name searched on ``path``/$PATH, or a path).

    Returns ``None`` when there is no such executable.
    """
    if os.sep in name:
        candidate = Path(name).expanduser()
        return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None
    found = shutil.which(name, path=path if path is not None else os.environ.get("PATH", ""))
    return Path(found) if found else None
