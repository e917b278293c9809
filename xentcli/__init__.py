"""xentcli: exact, streaming evaluation of ML predictions stored in files."""

from xentcli.errors import AlignmentError, InputError, SchemaError, UsageError, XentError
from xentcli.evaluate import evaluate
from xentcli.options import EvalOptions
from xentcli.report.evaluation import Report
from xentcli.version import __version__

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
