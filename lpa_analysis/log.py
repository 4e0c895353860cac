"""Logging for every `lpa` command: timestamped lines to stderr and to a log file beside outputs."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

LOGGER_NAME = "lpa"
_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"
_DATEFMT = "%Y-%m-%d %H:%M:%S"

log = logging.getLogger(LOGGER_NAME)


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is now: test runners (CliRunner) swap and close it."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def setup(verbosity: int = 0) -> None:
    """verbosity: -1 quiet (warnings only), 0 normal, 1+ debug."""
    level = logging.WARNING if verbosity < 0 else logging.DEBUG if verbosity > 0 else logging.INFO
    log.setLevel(logging.DEBUG)
    log.propagate = False
    for h in list(log.handlers):
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler):
            log.removeHandler(h)
    stderr = _CurrentStderr()
    stderr.setLevel(level)
    stderr.setFormatter(logging.Formatter(_FORMAT, _DATEFMT))
    log.addHandler(stderr)


def add_file(path: str | Path) -> Path:
    """Also write every log line (debug included) to `path`, e.g. `<out>/lpa.log`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    resolved = str(path.resolve())
    if not any(isinstance(h, logging.FileHandler) and h.baseFilename == resolved
               for h in log.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(logging.Formatter(_FORMAT, _DATEFMT))
        log.addHandler(handler)
    return path
