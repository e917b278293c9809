"""Reports: values that renderers read and never compute. The evaluation Report and its typed
sections (evaluation.py, sections.py), how one is built from an accumulator (build.py), the
signature (signature.py), gates as one policy (gates.py), and the reports of `diff`, `compare` and
`inspect`, and the JSON Schema of them all (schema.py).

May import: xentcli.engine, xentcli.metrics (registry), xentcli.prepare (layout), xentcli.errors.
Never render or cli.
"""
