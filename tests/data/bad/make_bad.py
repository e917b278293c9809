"""Regenerate the bad-input corpus (one small file per case): python tests/data/bad/make_bad.py"""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent


def main() -> None:
    body = "y,prob\n" + "1,0.5\n0,0.25\n" * 20_000
    packed = gzip.compress(body.encode())
    (HERE / "truncated.csv.gz").write_bytes(packed[: len(packed) // 2])
    table = pa.table({"y": [0, 1] * 500, "prob": [0.5] * 1000})
    pq.write_table(table, HERE / "whole.parquet")
    data = (HERE / "whole.parquet").read_bytes()
    (HERE / "truncated.parquet").write_bytes(data[: len(data) // 2])
    (HERE / "whole.parquet").unlink()
    pq.write_table(pa.table({"y": [0, 1], "prob": ["0.5", "high"]}), HERE / "strings.parquet")
    (HERE / "header_only.csv").write_text("y,prob\n")
    (HERE / "ragged.csv").write_text("y,prob\n1,0.5\n0,0.25,7\n")
    (HERE / "mixed_types.csv").write_text("y,prob\n1,0.5\n0,0.25\n1,high\n")
    (HERE / "list_wrong_length.csv").write_text(
        'label,proba\n0,"[0.5, 0.25, 0.25]"\n2,"[0.1, 0.9]"\n'
    )
    (HERE / "list_bad_element.csv").write_text(
        'label,proba\n0,"[0.5, 0.25, 0.25]"\n1,"[0.5, 0.25, 0.25]"\n2,"[0.2, abc, 0.5]"\n'
    )
    (HERE / "list_trailing_comma.csv").write_text(
        'label,proba\n0,"[0.5, 0.25, 0.25]",\n1,"[0.5, 0.25, 0.25]"\n'
    )
    lists = pa.array([[0.2, 0.3, 0.5], [0.2, 0.3, 0.5], [0.1, 1.5, -0.6]])
    pq.write_table(pa.table({"label": [0, 1, 2], "proba": lists}), HERE / "list_outside.parquet")
    (HERE / "late_field.jsonl").write_text('{"y": 1}\n{"y": 0, "prob": 0.25}\n')
    (HERE / "malformed.jsonl").write_text('{"y": 1, "prob": 0.5}\n{"y": 0, "prob": 0.25\n')
    (HERE / "quoted_crlf_bom.csv").write_bytes(
        '\ufeff"y","prob","note"\r\n"1","0.75","a, b"\r\n0,0.25,"say ""hi"""\r\n'.encode()
    )
    folder = HERE / "one_corrupt"
    folder.mkdir(exist_ok=True)
    pq.write_table(table, folder / "part-0.parquet")
    (folder / "part-1.parquet").write_bytes(b"PAR1 not really parquet")
    empty = HERE / "empty_dir"
    empty.mkdir(exist_ok=True)
    (empty / ".keep").write_text("")  # git keeps no empty folder; names with a dot are skipped


if __name__ == "__main__":
    main()
