"""DuckDB computing roc_auc and average_precision exactly in SQL (ties grouped, as scikit-learn)."""

import sys

import duckdb

QUERY = """
WITH grouped AS (
    SELECT prob AS s, SUM(label) AS pos, SUM(1 - label) AS neg
    FROM read_parquet(?) GROUP BY prob
), running AS (
    SELECT pos, neg,
        SUM(pos) OVER (ORDER BY s DESC ROWS UNBOUNDED PRECEDING) AS tp,
        SUM(neg) OVER (ORDER BY s DESC ROWS UNBOUNDED PRECEDING) AS fp
    FROM grouped
), totals AS (SELECT SUM(pos) AS p, SUM(neg) AS n FROM grouped)
SELECT SUM(neg * (2 * tp - pos)) / (2.0 * p * n), SUM(pos * tp / (tp + fp)) / p
FROM running, totals GROUP BY p, n
"""

print(duckdb.execute(QUERY, [sys.argv[1]]).fetchone())
