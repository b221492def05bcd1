"""Progress bars for long work (deployment, exports, simulations)."""

from __future__ import annotations


class NoProgress:
    """Stands in for a rich Progress when no bar is wanted (tests, pipes)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add_task(self, *args, **kwargs):
        return 0

    def update(self, *args, **kwargs):
        pass

    def advance(self, *args, **kwargs):
        pass


def progress_bar(enabled: bool, unit: str):
    """A rich bar: description, bar, done/total, `unit`, elapsed time.

    `unit` may use the task's fields, e.g. "blocks, {task.fields[found]} found".
    """
    if not enabled:
        return NoProgress()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(unit), TimeElapsedColumn()
    )
