"""--on KEY against row-aligned pairing, with a 2M-row labels file: time and peak RSS.

    python benchmarks/join.py [--rows 2000000] [--repeat 3]

Predictions (id, prob) as Parquet; labels (id, label) as CSV, shuffled for the join and in
prediction order for the row-aligned run. Same process discipline as run.py (stdlib-only parent,
each run in its own process, wait4's peak RSS).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from run import DATA, median_runs

WRITE = """
import sys, numpy as np, pyarrow as pa, pyarrow.csv as pacsv, pyarrow.parquet as pq
rows, folder = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
ids = np.arange(rows)
prob = rng.random(rows)
label = (rng.random(rows) < prob).astype(np.int64)
pq.write_table(pa.table({"id": ids, "prob": prob}), f"{folder}/join_preds.parquet")
pacsv.write_csv(pa.table({"id": ids, "label": label}), f"{folder}/join_labels_ordered.csv")
order = rng.permutation(rows)
pacsv.write_csv(pa.table({"id": ids[order], "label": label[order]}), f"{folder}/join_labels.csv")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-c", WRITE, str(args.rows), str(DATA)], check=True)
    preds = str(DATA / "join_preds.parquet")
    runs = {
        "row-aligned": [preds, "--labels", str(DATA / "join_labels_ordered.csv")],
        "--on id": [preds, "--labels", str(DATA / "join_labels.csv"), "--on", "id"],
    }
    commands = {
        name: [sys.executable, "-m", "xentcli", "eval", *extra, "--json", "-q"]
        for name, extra in runs.items()
    }
    results = median_runs(commands, args.repeat)
    base = results["row-aligned"][0]
    for name, (seconds, rss) in results.items():
        print(f"{name:<14}{seconds:>8.2f} s{rss:>8.0f} MiB{seconds / base:>8.2f}x")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
