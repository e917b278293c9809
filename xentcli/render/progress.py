"""The progress bar: a renderer for stderr, drawn by rich, shown once a run has lasted a while."""

from __future__ import annotations

import os
import time
from typing import Any

SHOW_AFTER_SECONDS = 1.0  # XENTCLI_PROGRESS_AFTER changes it (tests set 0)
UPDATES_PER_SECOND = 4  # updating on every chunk costs time; this often costs next to none


class ProgressBar:
    """Called after every chunk with (rows, fraction read); draws nothing for short runs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.start = time.monotonic()
        self.after = float(os.environ.get("XENTCLI_PROGRESS_AFTER", SHOW_AFTER_SECONDS))
        self.bar: Any = None
        self.task: Any = None
        self.last = 0.0

    def __call__(self, rows: int, fraction: float | None) -> None:
        now = time.monotonic()
        elapsed = now - self.start
        if self.bar is None:
            if elapsed < self.after:
                return
            self._open(known=fraction is not None)
        elif now - self.last < 1.0 / UPDATES_PER_SECOND:
            return
        self.last = now
        rate = rows / elapsed if elapsed > 0 else 0.0
        self.bar.update(
            self.task,
            completed=fraction if fraction is not None else 0.0,
            rows=f"{rows:,} rows",
            rate=f"{rate:,.0f} rows/s",
        )

    def _open(self, known: bool) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        columns: list[Any] = [TextColumn("[bold]{task.description}")]
        if known:
            columns += [BarColumn(), TextColumn("{task.percentage:>3.0f}%")]
        columns += [TextColumn("{task.fields[rows]}"), TextColumn("{task.fields[rate]}")]
        if known:
            columns.append(TimeRemainingColumn())
        self.bar = Progress(
            *columns,
            console=Console(stderr=True),
            transient=True,
            refresh_per_second=UPDATES_PER_SECOND,
        )
        name = escape(self.name)  # a file name's `[x]` is text, not markup
        self.task = self.bar.add_task(name, total=1.0 if known else None, rows="", rate="")
        self.bar.start()

    def close(self) -> None:
        """Remove the bar (it is transient: nothing stays on the terminal)."""
        if self.bar is not None:
            self.bar.stop()
