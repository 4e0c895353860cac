"""Progress bars for long work (rich): done / failed / ETA."""

from __future__ import annotations

from contextlib import contextmanager

from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)


@contextmanager
def report_progress(total: int):
    """Yields a callback for batch.run_jobs(on_result=...) that advances a live bar."""
    columns = (TextColumn("[bold]reports"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(),
               TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("reports", total=total, failed=0)
        failed = 0

        def on_result(result) -> None:
            nonlocal failed
            failed += result.status == "failed"
            progress.update(task, advance=1, failed=failed)

        yield on_result
