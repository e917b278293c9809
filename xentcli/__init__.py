"""xentcli: exact, streaming evaluation of ML predictions stored in files.

The API is `evaluate()`, `EvalOptions`, `Report` and the error types; they are imported when
first used, so that the command line starts (and answers Ctrl-C) before numpy and pyarrow load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xentcli.errors import AlignmentError, InputError, SchemaError, UsageError, XentError
from xentcli.version import __version__

if TYPE_CHECKING:
    from xentcli.api import evaluate
    from xentcli.options import EvalOptions
    from xentcli.report.evaluation import Report

__all__ = [
    "AlignmentError",
    "EvalOptions",
    "InputError",
    "Report",
    "SchemaError",
    "UsageError",
    "XentError",
    "__version__",
    "evaluate",
]


def __getattr__(name: str) -> Any:
    if name == "evaluate":
        from xentcli.api import evaluate

        return evaluate
    if name == "EvalOptions":
        from xentcli.options import EvalOptions

        return EvalOptions
    if name == "Report":
        from xentcli.report.evaluation import Report

        return Report
    raise AttributeError(f"module 'xentcli' has no attribute {name!r}")
