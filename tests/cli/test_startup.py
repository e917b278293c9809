"""pyarrow imports pandas (~0.2 s) the first time it converts a Python or numpy value; xentcli
reads buffers instead (io/arrow_numpy), so no path of a run pays for pandas' import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import SAMPLES

RUN = """
import sys
from xentcli.cli.commands import main
sys.argv = ["xentcli", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
assert code == 0, code
print("pandas imported" if "pandas" in sys.modules else "pandas not imported", file=sys.stderr)
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    n = 200
    prob = np.linspace(0.01, 0.99, n)
    label = (np.arange(n) % 3 == 0).astype(np.int64)
    group = np.where(np.arange(n) % 5 == 0, np.nan, (np.arange(n) % 4) * 0.5)
    pairs = pa.array([[1 - p, p] for p in prob.tolist()], pa.list_(pa.float64()))
    pq.write_table(pa.table({"label": label, "proba": pairs}), folder / "pairs.parquet")
    table = pa.table(
        {
            "id": np.arange(n),
            "label": label,
            "prob": prob,
            "g": pa.array(group, from_pandas=True),
            "t": ["a", "b"] * (n // 2),
        }
    )
    pq.write_table(table, folder / "rows.parquet")
    pq.write_table(table.select(["id", "prob"]), folder / "preds.parquet")
    shuffled = table.select(["id", "label"]).take(np.random.default_rng(0).permutation(n))
    pq.write_table(shuffled, folder / "labels.parquet")
    for part in ("a", "b"):
        (folder / "hive" / f"part={part}").mkdir(parents=True)
        pq.write_table(
            table.select(["label", "prob"]), folder / "hive" / f"part={part}" / "x.parquet"
        )
    lines = ["label,probs"] + [f'{i % 3},"[0.2, 0.3, 0.5]"' for i in range(n)]
    (folder / "arrays.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["eval", "pairs.parquet"],
        ["eval", "arrays.csv"],
        ["eval", "rows.parquet", "--by", "g", "--by", "t", "--worst", "3", "--keep-col", "t"],
        ["eval", "rows.parquet", "--nan", "skip", "--by", "g", "--rows-out", "out.parquet"],
        ["eval", "preds.parquet", "--labels", "labels.parquet", "--on", "id"],
        ["eval", "hive", "--by", "part"],
        ["compare", "rows.parquet", "rows.parquet"],
        [
            "eval",
            str(SAMPLES / "multiclass10.parquet"),
            "--per-class",
            "--auc",
            "--calibration",
            "--bootstrap",
            "5",
            "--top-k",
            "2",
            "--format",
            "json",
        ],
    ],
    ids=[
        "pair-lists",
        "json-arrays",
        "groups-worst",
        "rows-out",
        "join",
        "hive",
        "compare",
        "sections",
    ],
)
def test_a_run_does_not_import_pandas(inputs: Path, args: list[str]) -> None:
    run = subprocess.run(
        [sys.executable, "-c", RUN, *args, "-q"],
        cwd=inputs,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.splitlines()[-1] == "pandas not imported"
