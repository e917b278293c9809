"""--rows-out and --worst on the binary benchmark files against the plain eval, in one run:
median wall time, peak RSS, and the ratio to the plain eval (SPEC §11: --rows-out at most 2x the
time, RSS at most 256 MiB). Run benchmarks/run.py once first, for the data files."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from run import DATA, HERE, compile_bytecode, median_runs, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    compile_bytecode()
    py = sys.executable
    print(f"{'file':<24}{'run':<32}{'median s':>10}{'peak MiB':>10}{'x plain':>9}")
    with tempfile.TemporaryDirectory(dir=DATA) as scratch:
        for name in ("binary.parquet", "binary4x.parquet"):
            path = DATA / name
            if not path.exists():
                continue
            warm(path)
            eval_ = [py, "-m", "xentcli", "eval", str(path), "--json", "-q"]
            out = Path(scratch)
            runs = {
                "plain eval": eval_,
                "--rows-out rows.parquet": [*eval_, "--rows-out", str(out / "rows.parquet")],
                "--rows-out rows.csv": [*eval_, "--rows-out", str(out / "rows.csv")],
                "--worst 100": [*eval_, "--worst", "100"],
                "floor: pyarrow+numpy write": [
                    py,
                    str(HERE / "contenders" / "rows_floor.py"),
                    str(path),
                    str(out / "floor.parquet"),
                ],
            }
            medians = median_runs(runs, args.repeat)
            base = medians["plain eval"][0]
            for run, (seconds, rss) in medians.items():
                print(f"{name:<24}{run:<32}{seconds:>10.2f}{rss:>10.0f}{seconds / base:>9.2f}")


if __name__ == "__main__":
    main()
