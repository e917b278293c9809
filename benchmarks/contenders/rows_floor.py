"""The floor of --rows-out: pyarrow reads the binary file in batches, numpy computes each row's
BCE, predicted class, confidence and correct flag, and pyarrow's ParquetWriter writes them with
the row number and weight — the same seven columns, no checks, one thread."""

import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

source, target = sys.argv[1], sys.argv[2]
writer = None
start = 1
for batch in pq.ParquetFile(source).iter_batches(batch_size=65536, columns=["label", "prob"]):
    y = batch.column("label").to_numpy().astype(np.int8)
    p = batch.column("prob").to_numpy()
    above = p > 0.5
    columns = {
        "row": np.arange(start, start + len(p)),
        "loss": -np.log(np.where(y == 1, p, 1.0 - p)),
        "label": y,
        "predicted": above.view(np.int8),
        "confidence": np.where(above, p, 1.0 - p),
        "correct": above == (y == 1),
        "weight": np.ones(len(p)),
    }
    out = pa.RecordBatch.from_pydict({k: pa.array(v) for k, v in columns.items()})
    if writer is None:
        writer = pq.ParquetWriter(target, out.schema, use_dictionary=False)
    writer.write_batch(out)
    start += len(p)
writer.close()
