"""The command line: click commands (commands.py) and their shared flags (flags.py), settings files
(settings.py), where output goes (output.py). It builds one EvalOptions, calls the library, picks a
renderer and maps errors and reports to exit codes. Only this folder imports click.

May import anything in xentcli.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
from collections.abc import Iterator


def main() -> None:
    """The console script: Ctrl-C while the program is still loading exits 130 too."""
    # OpenBLAS starts a thread per core when numpy loads, and they spin for a while: 0.1 s of
    # CPU that the parse threads need (benchmarks/README.md). The hot path uses no BLAS; a
    # setting of the user's own is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # pyarrow's allocator (mimalloc) backs its memory with transparent huge pages: each first
    # touch zeroes 2 MiB, and peak RSS rounds up to them — 10 to 45 MiB more on the benchmark
    # files, at no gain in speed (benchmarks/README.md). Read when pyarrow loads.
    os.environ.setdefault("MIMALLOC_ALLOW_THP", "0")
    with _ctrl_c_deferred() as interrupted:
        from xentcli.cli.commands import main as run
    if interrupted:
        _leave(130)
    try:
        run()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    _leave(code)


@contextlib.contextmanager
def _ctrl_c_deferred() -> Iterator[list[int]]:
    """Ctrl-C while the modules load is noted, not raised: raised there, it can land in the
    import machinery's own callbacks, which print it as "Exception ignored" and go on — a
    traceback, and the Ctrl-C lost. Only the main thread may set the handler."""
    interrupted: list[int] = []
    try:
        previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
    except ValueError:  # not the main thread (a notebook's or a test's)
        yield interrupted
        return
    try:
        yield interrupted
    finally:  # None: a handler set outside Python; Python's own then
        signal.signal(
            signal.SIGINT, previous if previous is not None else signal.default_int_handler
        )


def _leave(code: int) -> None:
    """Exit without tearing the interpreter down: after an error a pyarrow reader thread may
    still be alive, and its teardown at exit can abort the process ("terminate called without
    an active exception"). Exit handlers (temporary folders) run first; streams are flushed."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)
