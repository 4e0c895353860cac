"""Errors and findings that point at the file, row and column a person can open."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]

# How much of a cell a message quotes: a 10 MB cell must not become 10 MB on stderr.
MAX_SHOWN = 80
# A message as a whole (it may quote a cell without `shown`, e.g. a header list).
MAX_MESSAGE = 2_000


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A value as a message quotes it: its first `limit` characters, and how long it was when
    longer ('xxxx… (10,485,760 characters)')."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _where(file: str | Path | None, row: int | None, column: str | None) -> str:
    parts = []
    if file is not None:
        parts.append(str(file))
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column '{shown(column)}'")
    return ", ".join(parts)


class InputError(Exception):
    """An input that cannot be used at all. The CLI prints it without a traceback (exit 2)."""

    def __init__(self, message: str, *, file: str | Path | None = None,
                 row: int | None = None, column: str | None = None):
        message = shown(message, MAX_MESSAGE)
        self.message, self.file, self.row, self.column = message, file, row, column
        where = _where(file, row, column)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class Problem:
    """One finding about one input cell or row; errors make the row unusable, warnings do not."""

    severity: Severity
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    lao_code: str | None = None
    indicator_id: str | None = None
    check: str | None = None  # short id of the rule, e.g. 'bad_code'; groups findings in reports
    value: str | None = None  # the offending cell as read (`shown`: long cells cut)

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", shown(self.message, MAX_MESSAGE))
        if self.value is not None:
            object.__setattr__(self, "value", shown(self.value))

    def __str__(self) -> str:
        where = _where(self.file, self.row, self.column)
        return f"{self.severity}: {where}: {self.message}" if where else f"{self.severity}: {self.message}"

    def to_dict(self) -> dict:
        return asdict(self)
