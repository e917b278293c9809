"""Regenerate sample_data/: the seeds' worked examples (SPEC §4.1) and two generated Parquet files.

Run from anywhere: python sample_data/make_samples.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
SEED = 20261121


def write_csv(name: str, header: list[str], rows: list[list[object]]) -> None:
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def seeds() -> None:
    """SPEC §4.1: two nets on three rows with labels 2, 1, 0; and the dog/cat/bird sample."""
    header = ["label", "p_0", "p_1", "p_2"]
    write_csv("net1.csv", header, [[2, 0.3, 0.3, 0.4], [1, 0.3, 0.4, 0.3], [0, 0.1, 0.2, 0.7]])
    write_csv("net2.csv", header, [[2, 0.1, 0.2, 0.7], [1, 0.1, 0.7, 0.2], [0, 0.3, 0.4, 0.3]])
    animals = ["label", "p_dog", "p_cat", "p_bird"]
    write_csv(
        "dog.csv",
        animals,
        [["dog", 0.7, 0.2, 0.1], ["dog", 0.9, 0.05, 0.05], ["dog", 0.1, 0.8, 0.1]],
    )


def binary(rows: int = 200_000) -> None:
    """A calibrated binary classifier: y ~ Bernoulli(p)."""
    rng = np.random.default_rng(SEED)
    prob = rng.beta(2.0, 2.0, rows)
    label = (rng.random(rows) < prob).astype(np.int8)
    pq.write_table(pa.table({"label": label, "prob": prob}), HERE / "binary.parquet")


def multiclass(rows: int = 50_000, classes: int = 10) -> None:
    """A 10-class softmax model whose true class gets a boost."""
    rng = np.random.default_rng(SEED + 1)
    label = rng.integers(0, classes, rows)
    logits = rng.normal(size=(rows, classes))
    logits[np.arange(rows), label] += 2.0
    prob = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    columns = {f"p_{k}": prob[:, k] for k in range(classes)}
    pq.write_table(pa.table({"label": label, **columns}), HERE / "multiclass10.parquet")


if __name__ == "__main__":
    seeds()
    binary()
    multiclass()
