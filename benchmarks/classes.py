"""Cost as classes grow (the performance issue's K workloads), in one run: median wall time, peak
RSS, and each contender's ratio to xentcli (above 1: xentcli is faster).

- ImageNet-like: 50k rows × 1000 classes, a float32 list column in Parquet, `--top-k 5`, as
  probabilities and as logits; the floor is pyarrow + numpy over 4096-row batches (flatten, the
  cross-entropy), the peer pyarrow + scikit-learn's log_loss and top_k_accuracy_score.
- Wide CSV: 400k rows × 100 probability columns against polars computing the cross-entropy alone.
- ns per value: the same 20M values as K = 2, 10, 100, 1000 classes (a float32 list column).

Data files are written to benchmarks/data/ on the first run (classes-*.parquet, wide100.csv).
Usage: python benchmarks/classes.py [--repeat 3]"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from run import DATA, compile_bytecode, median_runs, warm

FLOOR = """
import subprocess
import sys
from pathlib import Path
import numpy as np
import pyarrow.parquet as pq
total, rows = 0.0, 0
for batch in pq.ParquetFile(sys.argv[1]).iter_batches(batch_size=4096):
    y = batch.column("label").to_numpy()
    lists = batch.column("scores")
    k = len(lists[0])
    z = lists.flatten().to_numpy().astype(np.float64).reshape(-1, k)
    if sys.argv[2] == "logits":
        top = z.max(axis=1)
        loss = np.log(np.exp(z - top[:, None]).sum(axis=1)) + top - z[np.arange(len(y)), y]
    else:
        loss = -np.log(np.clip(z[np.arange(len(y)), y], 2.2e-16, 1 - 2.2e-16))
    total += loss.sum(); rows += len(y)
print(total / rows)
"""

SKLEARN = """
import subprocess
import sys
from pathlib import Path
import numpy as np
import pyarrow.parquet as pq
from scipy.special import softmax
from sklearn.metrics import log_loss, top_k_accuracy_score
table = pq.read_table(sys.argv[1])
y = table.column("label").to_numpy()
k = len(table.column("scores")[0])
p = table.column("scores").combine_chunks().flatten().to_numpy().reshape(-1, k)
if sys.argv[2] == "logits":
    p = softmax(p.astype(np.float64), axis=1)
labels = np.arange(k)
print(log_loss(y, p, labels=labels), top_k_accuracy_score(y, p, k=5, labels=labels))
"""

POLARS_CE = """
import subprocess
import sys
from pathlib import Path
import polars as pl
k = int(sys.argv[2])
label = pl.col("label")
true = pl.lit(None, pl.Float64)
for j in range(k):
    true = pl.when(label == j).then(pl.col(f"p_{j}")).otherwise(true)
out = pl.scan_csv(sys.argv[1]).select((-true.clip(2.2e-16, 1 - 2.2e-16).log()).mean())
print(out.collect(engine="streaming"))
"""


def list_file(rows: int, k: int, logits: bool) -> str:
    """A float32 list column of k scores per row and an int label (written once)."""
    path = DATA / f"classes-{rows}x{k}{'-logits' if logits else ''}.parquet"
    if path.exists():
        return str(path)
    rng = np.random.default_rng(k)
    label = rng.integers(0, k, rows)
    parts = []
    for start in range(0, rows, 8192):  # in parts: 50k × 1000 float64 would be 400 MB at once
        n = min(8192, rows - start)
        z = rng.normal(size=(n, k)).astype(np.float32)
        z[np.arange(n), label[start : start + n]] += 3
        if not logits:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            z = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
        parts.append(pa.FixedSizeListArray.from_arrays(pa.array(z.reshape(-1)), k))
    scores = pa.chunked_array(parts).cast(pa.list_(pa.float32()))
    pq.write_table(pa.table({"label": label, "scores": scores}), path, row_group_size=8192)
    return str(path)


def wide_csv(rows: int, k: int) -> str:
    """k probability columns p_0..p_{k-1} and a label, as CSV (written once)."""
    path = DATA / f"wide{k}.csv"
    if path.exists():
        return str(path)
    rng = np.random.default_rng(5)
    with path.open("w") as out:
        out.write("label," + ",".join(f"p_{j}" for j in range(k)) + "\n")
        for start in range(0, rows, 20000):
            n = min(20000, rows - start)
            p = rng.random((n, k)) + 0.01
            p /= p.sum(axis=1, keepdims=True)
            y = rng.integers(0, k, n)
            lines = (f"{y[i]}," + ",".join(f"{v:.6g}" for v in p[i]) for i in range(n))
            out.write("\n".join(lines) + "\n")
    return str(path)


def report(title: str, runs: dict[str, list[str]], repeat: int, values: int | None = None) -> None:
    medians = median_runs(runs, repeat)
    base = next(iter(medians.values()))[0]
    for name, (seconds, rss) in medians.items():
        ns = f"{seconds / values * 1e9:10.2f}" if values else ""
        print(f"{title:<26}{name:<28}{seconds:>9.2f}{rss:>10.0f}{seconds / base:>8.2f}{ns}")


def generate() -> None:
    """Every data file, written by a process of its own: a child forked from a parent that
    held the arrays would report the parent's pages in its own peak RSS."""
    list_file(50_000, 1000, False)
    list_file(50_000, 1000, True)
    wide_csv(400_000, 100)
    for k in KS:
        list_file(20_000_000 // k, k, False)


KS = (2, 10, 100, 1000)


def main() -> None:
    if sys.argv[1:] == ["--generate"]:
        generate()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    subprocess.run([sys.executable, __file__, "--generate"], check=True)
    compile_bytecode()
    py = sys.executable
    xentcli = [py, "-m", "xentcli", "eval"]
    print(f"{'workload':<26}{'run':<28}{'median s':>9}{'peak MiB':>10}{'ratio':>8}{'ns/value':>10}")
    for logits in (False, True):
        path = list_file(50_000, 1000, logits)
        warm(Path(path))
        kind = "logits" if logits else "probs"
        runs = {
            "xentcli --top-k 5": [*xentcli, path, "--pred-col", "scores", "--top-k", "5", "-q"]
            + (["--logits"] if logits else []),
            "floor: pyarrow+numpy CE": [py, "-c", FLOOR, path, kind],
            "pyarrow+sklearn": [py, "-c", SKLEARN, path, kind],
        }
        report(f"50k x 1000 list ({kind})", runs, args.repeat, 50_000 * 1000)
    path = wide_csv(400_000, 100)
    warm(Path(path))
    runs = {"xentcli": [*xentcli, path, "-q", "--json"]}
    if importlib.util.find_spec("polars") is not None:
        runs["polars (cross-entropy)"] = [py, "-c", POLARS_CE, path, "100"]
    report("400k x 100 wide CSV", runs, args.repeat, 400_000 * 100)
    for k in KS:
        rows = 20_000_000 // k
        path = list_file(rows, k, False)
        warm(Path(path))
        runs = {"xentcli": [*xentcli, path, "--pred-col", "scores", "--task", "multiclass", "-q"]}
        runs["floor: pyarrow+numpy CE"] = [py, "-c", FLOOR, path, "probs"]
        report(f"20M values, K = {k}", runs, args.repeat, rows * k)


if __name__ == "__main__":
    main()
