"""polars (streaming engine) computing the four metrics: python polars_metrics.py FILE K"""

import sys

import polars as pl

path, k = sys.argv[1], int(sys.argv[2])
if path.endswith(".parquet"):
    frame = pl.scan_parquet(path)
elif path.endswith(".jsonl"):
    frame = pl.scan_ndjson(path)
elif path.endswith(".gz"):  # scan_csv streams plain text only: a compressed file is read whole
    frame = pl.read_csv(path).lazy()
else:
    frame = pl.scan_csv(path)
eps = 2.220446049250313e-16
label = pl.col("label")
if k == 2:
    true = pl.when(label == 1).then(pl.col("prob")).otherwise(1 - pl.col("prob"))
    squares = (pl.col("prob") - label) ** 2
    wrong = (pl.col("prob") > 0.5) != (label == 1)
else:
    true = pl.lit(None, pl.Float64)
    for j in range(k):
        true = pl.when(label == j).then(pl.col(f"p_{j}")).otherwise(true)
    squares = sum((pl.col(f"p_{j}") - (label == j).cast(pl.Float64)) ** 2 for j in range(k))
    wrong = true < pl.max_horizontal([pl.col(f"p_{j}") for j in range(k)])
out = frame.select(
    (-true.clip(eps, 1 - eps).log()).mean().alias("loss"),
    squares.mean().alias("mse"),
    wrong.mean().alias("error"),
)
print(out.collect(engine="streaming"))
