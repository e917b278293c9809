"""A same-run A/B of xentcli at two commits: each benchmark file evaluated by both, alternately,
`--repeat` times; medians, peak RSS and the ratio (above 1: NEW is faster). Both are checked out
into temporary worktrees, so editing this checkout meanwhile changes nothing. Usage:
python benchmarks/ab.py OLD [NEW, default HEAD] [--repeat 5] [--files binary.jsonl ...] (run
benchmarks/run.py once first, for the data files; formats.py for the .gz and .jsonl ones)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FILES = [
    "binary.csv",
    "binary.parquet",
    "binary-logits.parquet",
    "multiclass10.csv",
    "multiclass10.parquet",
    "multiclass10-logits.parquet",
]


def measure(tree: Path, path: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of `xentcli eval` from `tree` on `path`."""
    import time

    flags = ["--logits"] if "logits" in path.name else []
    command = [sys.executable, "-m", "xentcli", "eval", str(path), "--json", "-q", *flags]
    start = time.perf_counter()
    env = os.environ | {"PYTHONPATH": str(tree)}
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=tree, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed in {tree}: {' '.join(command)}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="the commit to compare with, e.g. HEAD~3")
    parser.add_argument("new", nargs="?", default="HEAD")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--files", nargs="+", default=FILES, help="data files by name (default: the main table's)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xentcli-ab-") as folder:
        other, this = Path(folder) / "old", Path(folder) / "new"
        for tree, rev in ((other, args.old), (this, args.new)):
            subprocess.run(["git", "worktree", "add", "-q", str(tree), rev], cwd=ROOT, check=True)
        try:
            for tree in (other, this):
                subprocess.run([sys.executable, "-m", "compileall", "-q", "xentcli"], cwd=tree)
            print(f"{'file':<30}{args.old[:12]:>14}{args.new[:10]:>10}{'ratio':>8}{'MiB':>14}")
            for name in args.files:
                path = HERE / "data" / name
                if not path.exists():
                    continue
                times: dict[Path, list[float]] = {other: [], this: []}
                peaks: dict[Path, float] = {other: 0.0, this: 0.0}
                for _ in range(args.repeat):
                    for tree in (other, this):
                        seconds, rss = measure(tree, path)
                        times[tree].append(seconds)
                        peaks[tree] = max(peaks[tree], rss)
                before, now = (statistics.median(times[t]) for t in (other, this))
                print(
                    f"{name:<30}{before:>13.2f}s{now:>9.2f}s{before / now:>8.2f}"
                    f"{peaks[other]:>7.0f}/{peaks[this]:<6.0f}"
                )
        finally:
            for tree in (other, this):
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)


if __name__ == "__main__":
    main()
