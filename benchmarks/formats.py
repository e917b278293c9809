"""The binary and 10-class benchmark rows as CSV.gz and JSON lines, against polars and DuckDB
computing the same metrics, in one run: median wall time, peak RSS, and the ratio (above 1:
xentcli is faster). Run benchmarks/run.py once first: the files are made from its Parquet ones.
Usage: python benchmarks/formats.py [--repeat 3]"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys

from run import DATA, HERE, compile_bytecode, median_runs, warm

MAKE = """
import gzip, shutil, sys
import polars as pl
source, kind, target = sys.argv[1:4]
if kind == "jsonl":
    pl.read_parquet(source).write_ndjson(target)
else:
    with open(source.replace(".parquet", ".csv"), "rb") as raw, gzip.open(target, "wb", 6) as out:
        shutil.copyfileobj(raw, out, 16 << 20)
"""


def made(stem: str, kind: str) -> str:
    """DATA/STEM.csv.gz or DATA/STEM.jsonl, written once from DATA/STEM.parquet (and .csv)."""
    target = DATA / (f"{stem}.csv.gz" if kind == "gz" else f"{stem}.jsonl")
    if not target.exists():
        subprocess.run(
            [sys.executable, "-c", MAKE, str(DATA / f"{stem}.parquet"), kind, str(target)],
            check=True,
        )
    return str(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    compile_bytecode()
    py = sys.executable
    print(f"{'file':<26}{'contender':<12}{'median s':>10}{'peak MiB':>10}{'ratio':>8}")
    for stem, classes in (("binary", 2), ("multiclass10", 10)):
        for kind in ("gz", "jsonl"):
            path = made(stem, kind)
            warm(__import__("pathlib").Path(path))
            runs = {"xentcli": [py, "-m", "xentcli", "eval", path, "--json", "-q"]}
            for name in ("duckdb", "polars"):
                if importlib.util.find_spec(name) is not None:
                    script = HERE / "contenders" / f"{name}_metrics.py"
                    runs[name] = [py, str(script), path, str(classes)]
            medians = median_runs(runs, args.repeat)
            base = medians["xentcli"][0]
            name = path.rsplit("/", 1)[-1]
            for contender, (seconds, rss) in medians.items():
                print(
                    f"{name:<26}{contender:<12}{seconds:>10.2f}{rss:>10.0f}{seconds / base:>8.2f}"
                )


if __name__ == "__main__":
    main()
