"""--auc on the binary benchmark files against pandas + scikit-learn, DuckDB's SQL and the plain
eval, in one run: median wall time, peak RSS, and the ratio (above 1: xentcli --auc is faster).
Run benchmarks/run.py once first, for the data files (the 80M-row file is used when present)."""

from __future__ import annotations

import argparse
import importlib.util
import sys

from run import DATA, HERE, compile_bytecode, median_runs, warm

PANDAS_SKLEARN = """
import sys
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score
data = pd.read_parquet(sys.argv[1], columns=["label", "prob"])
y, p = data["label"], data["prob"]
print(roc_auc_score(y, p), average_precision_score(y, p))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()
    compile_bytecode()
    py = sys.executable
    print(f"{'file':<24}{'contender':<22}{'median s':>10}{'peak MiB':>10}{'ratio':>8}")
    for name in ("binary.parquet", "binary4x.parquet"):
        path = DATA / name
        if not path.exists():
            continue
        warm(path)
        runs = {
            "xentcli --auc": [py, "-m", "xentcli", "eval", str(path), "--auc", "--json", "-q"],
            "xentcli (no --auc)": [py, "-m", "xentcli", "eval", str(path), "--json", "-q"],
        }
        if not args.skip_pandas:
            runs["pandas+sklearn"] = [py, "-c", PANDAS_SKLEARN, str(path)]
        if importlib.util.find_spec("duckdb") is not None:
            runs["duckdb"] = [py, str(HERE / "contenders" / "duckdb_auc.py"), str(path)]
        medians = median_runs(runs, args.repeat)
        base = medians["xentcli --auc"][0]
        for contender, (seconds, rss) in medians.items():
            print(f"{name:<24}{contender:<22}{seconds:>10.2f}{rss:>10.0f}{seconds / base:>8.2f}")


if __name__ == "__main__":
    main()
