"""xentcli against pandas + scikit-learn and the pyarrow read-only floor, measured in one run.

    python -m pip install '.[bench]'
    python benchmarks/run.py                 # 20M-row binary, 5M-row 10-class, 80M-row binary
    python benchmarks/run.py --scale 0.05    # a quick look

Each contender runs in its own process; its wall time and its own peak RSS (wait4) are recorded,
repeated, and the medians printed with ratios. Results also go to benchmarks/results.json.
This process imports only the standard library and generates data in a child: a child's ru_maxrss
starts from its parent's high-water mark, so a large parent would inflate every reading.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GEN_ROWS = 1_000_000  # rows generated per step, so generation itself stays small in memory

PANDAS_SKLEARN = """
import sys, numpy as np, pandas as pd
from sklearn.metrics import log_loss
path, k = sys.argv[1], int(sys.argv[2])
df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
if k == 2:
    print(log_loss(df["label"], df["prob"], labels=[0, 1]))
else:
    print(log_loss(df["label"], df[[f"p_{j}" for j in range(k)]].to_numpy(), labels=list(range(k))))
"""

PYARROW_FLOOR = """
import sys, pyarrow as pa, pyarrow.csv as pacsv, pyarrow.parquet as pq
path, k = sys.argv[1], int(sys.argv[2])
cols = ["label", "prob"] if k == 2 else ["label"] + [f"p_{j}" for j in range(k)]
rows = 0
if path.endswith(".parquet"):
    f = pq.ParquetFile(path, pre_buffer=False)
    for b in f.iter_batches(batch_size=65536, columns=cols):
        rows += b.num_rows
else:
    types = {c: pa.float64() for c in cols} | {"label": pa.int64()}
    reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 20),
                            convert_options=pacsv.ConvertOptions(column_types=types))
    for b in reader:
        rows += b.num_rows
print(rows)
"""


def generate(name: str, rows: int, classes: int) -> tuple[Path, Path]:
    """NAME.csv and NAME.parquet, and the logits twin NAME-logits.parquet, written by a child
    process unless they exist."""
    DATA.mkdir(exist_ok=True)
    csv_path, pq_path = DATA / f"{name}.csv", DATA / f"{name}.parquet"
    if not (csv_path.exists() and pq_path.exists() and logits_twin(pq_path).exists()):
        command = [sys.executable, __file__, "--generate", name, str(rows), str(classes)]
        subprocess.run(command, check=True)
    return csv_path, pq_path


def logits_twin(path: Path) -> Path:
    """The same rows as raw scores: `score` = logit(prob), or the 10-class `logit_j` before the
    softmax that gave `p_j`."""
    return path.with_name(path.stem + "-logits.parquet")


def write_data(name: str, rows: int, classes: int) -> None:
    """Write NAME.csv and NAME.parquet: label + prob, or label + p_0..p_{K-1}; and the twin
    NAME-logits.parquet: label + score, or label + logit_0..logit_{K-1}."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    DATA.mkdir(exist_ok=True)
    csv_path, pq_path = DATA / f"{name}.csv", DATA / f"{name}.parquet"
    rng = np.random.default_rng(0)
    csv_writer = pq_writer = twin_writer = None
    for start in range(0, rows, GEN_ROWS):
        n = min(GEN_ROWS, rows - start)
        if classes == 2:
            prob = rng.random(n)
            label = (rng.random(n) < prob).astype(np.int64)
            columns = {"label": label, "prob": prob}
            with np.errstate(divide="ignore"):
                scores = {"score": np.log(prob) - np.log1p(-prob)}
        else:
            z = rng.normal(size=(n, classes))
            label = rng.integers(0, classes, n)
            z[np.arange(n), label] += 1.5
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            columns = {"label": label} | {f"p_{j}": p[:, j] for j in range(classes)}
            scores = {f"logit_{j}": z[:, j] for j in range(classes)}
        table = pa.table(columns)
        twin = pa.table({"label": label} | scores)
        if csv_writer is None:
            csv_writer = pacsv.CSVWriter(str(csv_path), table.schema)
            pq_writer = pq.ParquetWriter(str(pq_path), table.schema)
            twin_writer = pq.ParquetWriter(str(logits_twin(pq_path)), twin.schema)
        csv_writer.write_table(table)
        pq_writer.write_table(table, row_group_size=GEN_ROWS)
        twin_writer.write_table(twin, row_group_size=GEN_ROWS)
    csv_writer.close()
    pq_writer.close()
    twin_writer.close()


def compile_bytecode() -> None:
    """Compile the xentcli the contenders will import (from this directory, as `python -m`
    finds it), as `pip install` does: a checkout run under PYTHONDONTWRITEBYTECODE=1 would
    otherwise compile every module at every start (~50 ms here)."""
    where = subprocess.run(
        [sys.executable, "-c", "import os, xentcli; print(os.path.dirname(xentcli.__file__))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run([sys.executable, "-m", "compileall", "-q", where], check=True)


def warm(*paths: Path) -> None:
    """Read the files once, so every contender finds them in the page cache (measured: the
    80M-row Parquet file took 2.35 s cold, 0.78 s warm: a cost that went to whoever ran first)."""
    for path in paths:
        if path.exists():
            with path.open("rb") as file:
                while file.read(16 << 20):
                    pass


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and the child's own peak RSS in MiB."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{proc.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def median_runs(runs: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, float]]:
    """Each command run `repeat` times, in turns (one run of each, then the next round), so a
    busy stretch of this shared machine falls on every contender alike rather than on whoever
    ran during it: (median wall seconds, largest peak RSS MiB)."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, command in runs.items():
            samples[name].append(measure(command))
    return {
        name: (statistics.median(s for s, _ in got), max(r for _, r in got))
        for name, got in samples.items()
    }


def contenders(path: Path, classes: int) -> dict[str, list[str]]:
    """Each contender's command; DuckDB and polars when installed (the bench extra)."""
    py = sys.executable
    xentcli = [py, "-m", "xentcli", "eval"]
    runs = {"xentcli": [*xentcli, str(path), "--json", "-q"]}
    if path.suffix == ".parquet":  # the same rows as logits: compute-bound, the hard case
        runs["xentcli --logits"] = [*xentcli, str(logits_twin(path)), "--logits", "--json", "-q"]
    runs["pandas+sklearn"] = [py, "-c", PANDAS_SKLEARN, str(path), str(classes)]
    runs["pyarrow read-only"] = [py, "-c", PYARROW_FLOOR, str(path), str(classes)]
    for name, module in (("duckdb", "duckdb"), ("polars", "polars")):
        if importlib.util.find_spec(module) is not None:
            script = HERE / "contenders" / f"{module}_metrics.py"
            runs[name] = [py, str(script), str(path), str(classes)]
    return runs


def main() -> None:
    if sys.argv[1:2] == ["--generate"]:
        write_data(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full row counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (median kept)")
    parser.add_argument("--skip-pandas", action="store_true", help="leave pandas+sklearn out")
    parser.add_argument(
        "--skip-large", action="store_true", help="leave out the 80M-row binary file (4x)"
    )
    args = parser.parse_args()
    suffix = "" if args.scale == 1.0 else f"-x{args.scale:g}"
    sets = [
        ("binary", generate(f"binary{suffix}", int(20_000_000 * args.scale), 2), 2),
        ("10-class", generate(f"multiclass10{suffix}", int(5_000_000 * args.scale), 10), 10),
    ]
    if not args.skip_large:  # is peak memory flat as the file grows 4x?
        large = generate(f"binary4x{suffix}", int(80_000_000 * args.scale), 2)
        sets.append(("binary 4x", large, 2))
    compile_bytecode()
    results = []
    print(f"{'file':<28}{'contender':<20}{'median s':>10}{'peak MiB':>10}{'ratio':>9}")
    for label, paths, classes in sets:
        for path in paths:
            runs = contenders(path, classes)
            warm(path, logits_twin(path))
            if args.skip_pandas:
                runs.pop("pandas+sklearn")
            medians = median_runs(runs, args.repeat)
            base = medians["xentcli"][0]
            for name, (seconds, rss) in medians.items():
                ratio = seconds / base
                results.append(
                    {
                        "data": label,
                        "file": path.name,
                        "size_mib": path.stat().st_size / 2**20,
                        "contender": name,
                        "seconds": seconds,
                        "peak_rss_mib": rss,
                        "time_vs_xentcli": ratio,
                    }
                )
                print(f"{path.name:<28}{name:<20}{seconds:>10.2f}{rss:>10.0f}{ratio:>8.2f}x")
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print("ratio: the contender's time / xentcli's time (above 1: xentcli is faster)")


if __name__ == "__main__":
    main()
