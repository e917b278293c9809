"""DuckDB computing the four metrics in SQL: python duckdb_metrics.py FILE K"""

import sys

import duckdb

path, k = sys.argv[1], int(sys.argv[2])
if path.endswith(".parquet"):
    source = f"read_parquet('{path}')"
elif path.endswith(".jsonl"):
    source = f"read_json('{path}', format='newline_delimited')"
else:  # CSV, gzip-compressed or not (read_csv knows .gz)
    source = f"read_csv('{path}')"
eps = 2.220446049250313e-16
if k == 2:
    true = "CASE WHEN label = 1 THEN prob ELSE 1 - prob END"
    squares = "(prob - label) ^ 2"
    wrong = "(prob > 0.5) <> (label = 1)"
else:
    true = "CASE label " + " ".join(f"WHEN {j} THEN p_{j}" for j in range(k)) + " END"
    squares = " + ".join(f"(p_{j} - CASE WHEN label = {j} THEN 1 ELSE 0 END) ^ 2" for j in range(k))
    wrong = f"{true} < greatest({', '.join(f'p_{j}' for j in range(k))})"
sql = (
    f"SELECT avg(-ln(greatest(least({true}, 1 - {eps}), {eps}))), avg({squares}), "
    f"avg(CASE WHEN {wrong} THEN 1.0 ELSE 0.0 END) FROM {source}"
)
print(duckdb.sql(sql).fetchall())
