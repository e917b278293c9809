"""Files written atomically (-o, --rows-out): into a temporary file in the target's folder,
renamed over the target only once complete, so a failed run leaves no half-written file and
never clobbers the old one. A link is written through to its target; anything there but a
regular file is refused; the new file gets the umask's mode (docs/reliability.md)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

from xentcli.errors import InputError, UsageError


def same_file(output: str, other: str) -> bool:
    """Whether writing `output` would replace the local file `other` (links followed; a file not
    there yet is compared by its path). stdin, devices and remote inputs are never the same."""
    if not output or not other or "-" in (output, other) or "://" in other or is_device(output):
        return False
    try:
        return os.path.samefile(output, other)
    except OSError:
        return os.path.realpath(output) == os.path.realpath(other)


def refuse_to_overwrite(output: str, flag: str, inputs: dict[str, object]) -> None:
    """An output that names one of the inputs would replace it with the report: a usage error,
    as `cp a a` refuses (docs/reliability.md)."""
    for name, path in inputs.items():
        if isinstance(path, str | os.PathLike) and same_file(output, os.fsdecode(path)):
            raise UsageError(
                f"{flag} {output} is the {name} file itself: name another file (writing would "
                "replace it)"
            )


class AtomicFile:
    """A file being written: write to `path`, then commit() (rename into place) or discard().
    A device (/dev/stdout, /dev/null) is written in place, as any tool writes it."""

    def __init__(self, output: str, flag: str = "-o") -> None:
        if not output:
            raise UsageError(f"{flag} needs a file name")
        if os.path.isdir(output):
            raise UsageError(f"{output}: a directory; {flag} writes a file")
        self.output = output
        self.device = is_device(output)
        self.target = output if self.device else os.path.realpath(output)
        if not self.device and os.path.exists(self.target) and not os.path.isfile(self.target):
            raise UsageError(f"{output}: not a regular file; {flag} writes a file")
        if self.device:
            self.path = output
            return
        try:
            handle, self.path = tempfile.mkstemp(
                dir=os.path.dirname(self.target), prefix=".xentcli-", suffix=".tmp"
            )
        except OSError as exc:
            raise InputError(f"cannot write here ({reason(exc)})", file=output) from None
        os.close(handle)

    def commit(self) -> None:
        """Put the finished file in place, with the old file's mode or the umask's."""
        if self.device:
            return
        try:
            exists = os.path.exists(self.target)
            mode = os.stat(self.target).st_mode & 0o7777 if exists else default_mode()
            os.chmod(self.path, mode)
            os.replace(self.path, self.target)
        except OSError as exc:
            self.discard()
            raise InputError(f"cannot write ({reason(exc)})", file=self.output) from None

    def discard(self) -> None:
        """Remove the unfinished file (the target is left as it was)."""
        if not self.device:
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    def failed(self, exc: OSError) -> InputError:
        """The error of a write that failed (a full disk): the file is discarded."""
        self.discard()
        return InputError(f"cannot write ({reason(exc)})", file=self.output)


@contextlib.contextmanager
def written(output: str, flag: str = "-o") -> Iterator[str]:
    """The path to write `output` at: put in place when the block ends, removed if it fails
    (an OSError, a full disk, is an input error naming `output`)."""
    target = AtomicFile(output, flag)
    try:
        yield target.path
    except BrokenPipeError:
        if target.device:  # `-o /dev/stdout | head`: a closed pipe, as for stdout itself
            raise
        raise target.failed(BrokenPipeError()) from None
    except OSError as exc:
        raise target.failed(exc) from None
    except BaseException:
        target.discard()
        raise
    target.commit()


def is_device(output: str) -> bool:
    """A path in /dev, or a link into /dev or /proc (a stream another process may hold open)."""
    path = os.path.abspath(output)
    seen = 0
    while True:
        if path.startswith(("/dev/", "/proc/")):
            return True
        if not os.path.islink(path) or seen > 40:
            return False
        path = os.path.join(os.path.dirname(path), os.readlink(path))
        seen += 1


def default_mode() -> int:
    """0o666 less the umask: the mode any program's new file gets."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def reason(exc: BaseException) -> str:
    """What went wrong, in the system's words."""
    return getattr(exc, "strerror", None) or str(exc)
