"""One error tree: core code raises these with what it knows; only cli.py formats them."""

from __future__ import annotations

from typing import Any

LISTED = 40  # names a message or note lists before it says how many more there are


def listed(names: list[str] | tuple[str, ...], what: str = "") -> str:
    """Names joined for a message or note: the first LISTED of them, then how many in all."""
    if len(names) <= LISTED:
        return ", ".join(names)
    return f"{', '.join(names[:LISTED])}, … ({len(names):,} {what or 'in all'})"


class XentError(Exception):
    """A problem the user can fix: bad usage, configuration or input (exit code 2)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        # one line, whatever the message quotes (pyarrow's errors span several)
        message = " ".join(line.strip() for line in message.splitlines() if line.strip())
        super().__init__(message)
        self.message = message
        self.file = file
        self.row = row
        self.column = column

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class UsageError(XentError):
    """Options that contradict each other or name nothing."""


class InputError(XentError):
    """A file that cannot be read, or a value in it that is not valid."""


class SchemaError(XentError):
    """Columns that are missing, ambiguous or of the wrong type."""


class AlignmentError(XentError):
    """Predictions and labels that do not line up."""


class ListLabels(InputError):
    """A label column of lists (one-hot or soft targets per row): the evaluation is run again
    with its K values as target columns (prepare/list_targets.py), where the input can be
    read again."""

    def __init__(self, message: str, *, file: str | None, column: str, width: int, **where: Any):
        super().__init__(message, file=file, column=column, **where)
        self.width = width  # the first list's length: the targets per row


class ShortLists(InputError):
    """A prediction list column of one value per row (Keras' (n, 1) output), or of two
    probabilities (predict_proba's): one binary problem, as one or two columns are; the
    evaluation is run again over its values as columns (prepare/list_targets.py), where the
    input can be read again."""

    def __init__(self, message: str, *, file: str | None, column: str, width: int):
        super().__init__(message, file=file, column=column)
        self.view = (column, width)  # what prepare/list_targets.py reads as columns


class ResourceError(XentError):
    """The machine's limits, not the input: memory or threads ran out (exit code 2, as grep and
    sort exit on "memory exhausted")."""


THREADS_EXHAUSTED = ("Failed to launch worker thread", "can't start new thread")


def resource_error(exc: BaseException, file: str | None = None) -> ResourceError | None:
    """`exc` as the limit it hit — memory (MemoryError, pyarrow's ArrowMemoryError) or threads
    (pyarrow's and Python's "could not start a thread") — or None for anything else."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, MemoryError):
        return ResourceError(
            f"out of memory ({text}): raise the memory limit (ulimit -v, the container's)",
            file=file,
        )
    if any(said in text for said in THREADS_EXHAUSTED):
        return ResourceError(
            f"out of threads ({text}): raise the limits on threads and memory (ulimit -u, "
            "ulimit -v; each thread reserves its stack)",
            file=file,
        )
    return None
