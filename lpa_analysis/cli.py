"""`lpa`: the command line. Each command is one stage of the one-way flow.

raw data folder → check / validate → build (quality gate, scoring, reconciliation)
→ reports (notebooks → HTML/PDF) → audit. Exit codes: 0 ok, 1 problems found, 2 unusable
input or wrong usage.
"""

from __future__ import annotations

import sys

# Importing the commands registers each on `app` (one module per stage, in flow order).
from lpa_analysis import commands  # noqa: F401
from lpa_analysis.commands.options import EXIT_UNUSABLE, app
from lpa_analysis.errors import InputError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: bad input is a clear message and exit 2, never a traceback."""
    try:
        app()
    except InputError as exc:
        print(f"lpa: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_UNUSABLE)
