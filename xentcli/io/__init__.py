"""Reading: every input format, the stores it may live in, and datasets of many files, each read as
a stream of Arrow record batches of just the columns asked for (the Source protocol, source.py).

`open.py` picks the reader from the name or --input-format; each format has its own module.
May import: xentcli.errors and the standard library, pyarrow, numpy. Nothing above it.
"""
