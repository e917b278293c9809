"""The tasks xentcli evaluates (docs/inputs.md)."""

from __future__ import annotations

from enum import StrEnum


class Task(StrEnum):
    """What the predictions are: one value of a str enum, so reports write it as plain text."""

    BINARY = "binary"
    MULTICLASS = "multiclass"
    MULTILABEL = "multilabel"
    REGRESSION = "regression"

    @property
    def loss_name(self) -> str | None:
        """The name of the task's log loss, or None (regression)."""
        return {
            Task.BINARY: "binary_cross_entropy",
            Task.MULTILABEL: "binary_cross_entropy",
            Task.MULTICLASS: "cross_entropy",
        }.get(self)


TASKS = tuple(task.value for task in Task)
