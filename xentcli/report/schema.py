"""JSON Schemas of the reports (schema version 1: it only ever grows, so extra keys are allowed)."""

from __future__ import annotations

import json
from typing import Any

from xentcli.tasks import TASKS

NUMBER_OR_NULL = {"type": ["number", "null"]}

GATE: dict[str, Any] = {
    "type": "object",
    "required": ["metric", "op", "limit", "value", "passed"],
    "properties": {
        "metric": {"type": "string"},
        "op": {"enum": ["<=", ">="]},
        "limit": {"type": "number"},
        "value": {"type": "number"},
        "passed": {"type": "boolean"},
        "flag": {"type": "string", "description": "the gate as written, e.g. --max mse=0.2"},
        "baseline": {"type": "number", "description": "the baseline value (--max-increase)"},
        "worst": {
            "type": "string",
            "description": "a gate on every class or group: the one furthest from passing",
        },
    },
}

REPORT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://xentcli.dev/schema/report-v1.json",
    "title": "xentcli evaluation report, schema version 1",
    "type": "object",
    "required": [
        "schema_version",
        "tool",
        "signature",
        "task",
        "inputs",
        "rows",
        "classes",
        "metrics",
        "clipped",
        "gates",
        "passed",
    ],
    "properties": {
        "schema_version": {"const": 1},
        "tool": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"const": "xentcli"}, "version": {"type": "string"}},
        },
        "signature": {"type": "string", "pattern": "^xentcli:[^|]+(\\|[a-z_]+:[^|]*)+$"},
        "task": {"enum": list(TASKS)},
        "inputs": {
            "type": "object",
            "required": ["predictions", "labels", "format"],
            "properties": {
                "predictions": {"type": "string"},
                "labels": {"type": ["string", "null"]},
                "format": {"type": "string"},
            },
        },
        "columns": {
            "type": "object",
            "properties": {
                "label": {
                    "type": ["string", "null"],
                    "description": "null when the labels are K target columns",
                },
                "predictions": {"type": "array", "items": {"type": "string"}},
                "weight": {"type": ["string", "null"]},
                "targets": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "K target columns: soft labels or multilabel 0/1 columns",
                },
            },
        },
        "rows": {
            "type": "object",
            "required": ["read", "used", "skipped", "ignored"],
            "properties": {
                k: {"type": "integer", "minimum": 0}
                for k in ("read", "used", "skipped", "ignored", "missing")
            },
        },
        "classes": {"type": ["array", "null"], "items": {"type": "string"}},
        "metrics": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": NUMBER_OR_NULL,
            "description": "null only for a value beyond float range (perplexity of a huge loss)",
        },
        "clipped": {"type": "integer", "minimum": 0},
        "options": {"type": "object"},
        "gates": {"type": "array", "items": GATE},
        "passed": {"type": "boolean"},
        "per_class": {
            "type": "array",
            "description": "with --per-class: one object per class",
            "items": {
                "type": "object",
                "required": ["class", "support", "error", "precision", "recall", "f1"],
                "properties": {
                    "class": {"type": "string"},
                    "support": {"type": "number", "minimum": 0},
                    "cross_entropy": NUMBER_OR_NULL,
                    "binary_cross_entropy": NUMBER_OR_NULL,
                    "error": NUMBER_OR_NULL,
                    "precision": {"type": "number"},
                    "recall": {"type": "number"},
                    "f1": {"type": "number"},
                },
            },
        },
        "intervals": {
            "type": "object",
            "description": "with --bootstrap: metric -> [low, high]",
            "additionalProperties": {
                "type": "array",
                "items": NUMBER_OR_NULL,
                "minItems": 2,
                "maxItems": 2,
            },
        },
        "groups": {
            "type": "array",
            "description": "with --by: one entry per group value (or combination)",
            "items": {
                "type": "object",
                "required": ["group", "rows", "metrics"],
                "properties": {
                    "group": {"type": "object", "additionalProperties": {"type": "string"}},
                    "rows": {"type": "integer", "minimum": 0},
                    "metrics": {"type": "object", "additionalProperties": NUMBER_OR_NULL},
                    "intervals": {
                        "type": "object",
                        "description": "with --bootstrap: metric -> [low, high] in this group",
                        "additionalProperties": {"type": "array", "items": NUMBER_OR_NULL},
                    },
                },
            },
        },
        "calibration": {
            "type": "object",
            "description": "with --calibration: equal-width confidence bins",
            "required": ["ece", "mce", "rmsce", "n_bins", "bins"],
            "properties": {
                "ece": {"type": "number"},
                "mce": {"type": "number"},
                "rmsce": {"type": "number"},
                "n_bins": {"type": "integer", "minimum": 1},
                "bins": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["lower", "upper", "weight", "confidence", "accuracy"],
                        "properties": {
                            "lower": {"type": "number", "minimum": 0},
                            "upper": {"type": "number", "maximum": 1},
                            "weight": {"type": "number", "minimum": 0},
                            "confidence": NUMBER_OR_NULL,
                            "accuracy": NUMBER_OR_NULL,
                        },
                    },
                },
            },
        },
        "notes": {
            "type": "array",
            "items": {"type": "string"},
            "description": "decisions the reader should know of, e.g. two columns read as binary",
        },
        "curves": {
            "type": "object",
            "description": "with --auc: exact ROC and PR points ({roc: {fpr, tpr, thresholds, "
            "roc_auc}, pr: {precision, recall, thresholds, average_precision}}; per class or "
            "label where there are classes)",
        },
        "worst": {
            "type": "object",
            "description": "with --worst N: the N rows of highest loss, highest first (equal "
            "losses by row number)",
            "required": ["metric", "columns", "rows"],
            "properties": {
                "metric": {"type": "string", "description": "the metric the loss averages to"},
                "columns": {"type": "array", "items": {"type": "string"}},
                "rows": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["row", "loss", "weight", "columns"],
                        "properties": {
                            "row": {"type": "integer", "minimum": 1},
                            "loss": NUMBER_OR_NULL,
                            "label": {"type": ["string", "number"]},
                            "predicted": {"type": ["string", "number"]},
                            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                            "correct": {"type": "boolean"},
                            "weight": {"type": "number", "minimum": 0},
                            "columns": {"type": "object"},
                        },
                    },
                },
            },
        },
        "rows_out": {
            "type": "object",
            "description": "with --rows-out FILE: where the per-row file was written",
            "required": ["path", "format", "rows"],
            "properties": {
                "path": {"type": "string"},
                "format": {"enum": ["parquet", "csv"]},
                "rows": {"type": "integer", "minimum": 0},
            },
        },
        "confusion_matrix": {
            "type": "object",
            "description": "with --per-class: rows are true classes, columns predicted ones",
            "required": ["labels", "normalize", "matrix"],
            "properties": {
                "labels": {"type": "array", "items": {"type": "string"}},
                "normalize": {"enum": [None, "true", "pred", "all"]},
                "matrix": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": "number"}},
                },
                "counts": {
                    "type": "array",
                    "description": "with --normalize: the counts (weights with --weight-col)",
                    "items": {"type": "array", "items": {"type": "number"}},
                },
            },
        },
    },
}

DIFF: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://xentcli.dev/schema/diff-v1.json",
    "title": "xentcli diff of two reports, schema version 1",
    "type": "object",
    "required": ["schema_version", "kind", "old", "new", "metrics", "warnings", "gates", "passed"],
    "properties": {
        "schema_version": {"const": 1},
        "kind": {"const": "diff"},
        "old": {"type": "string"},
        "new": {"type": "string"},
        "metrics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["metric", "old", "new", "change", "change_pct"],
                "properties": {
                    "metric": {"type": "string"},
                    "old": NUMBER_OR_NULL,
                    "new": NUMBER_OR_NULL,
                    "change": NUMBER_OR_NULL,
                    "change_pct": NUMBER_OR_NULL,
                },
            },
        },
        "warnings": {"type": "array", "items": {"type": "string"}},
        "gates": {"type": "array", "items": GATE},
        "passed": {"type": "boolean"},
    },
}

COMPARE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://xentcli.dev/schema/compare-v1.json",
    "title": "xentcli compare of two models, schema version 1",
    "type": "object",
    "required": ["schema_version", "kind", "a", "b", "differences", "bootstrap", "gates", "passed"],
    "properties": {
        "schema_version": {"const": 1},
        "kind": {"const": "compare"},
        "a": REPORT,
        "b": REPORT,
        "differences": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["metric", "a", "b", "difference", "interval", "p_value", "verdict"],
                "properties": {
                    "metric": {"type": "string"},
                    "a": NUMBER_OR_NULL,
                    "b": NUMBER_OR_NULL,
                    "difference": NUMBER_OR_NULL,
                    "interval": {"type": "array", "items": NUMBER_OR_NULL},
                    "p_value": {"type": "number", "description": "B better: (c + 1) / (n + 1)"},
                    "p_value_worse": {"type": "number"},
                    "verdict": {"enum": ["B better", "B worse", "no difference"]},
                },
            },
        },
        "bootstrap": {"type": "object"},
        "gates": {"type": "array", "items": GATE},
        "passed": {"type": "boolean"},
    },
}

INSPECT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://xentcli.dev/schema/inspect-v1.json",
    "title": "xentcli inspect of an input, schema version 1",
    "type": "object",
    "required": ["schema_version", "kind", "inputs", "columns", "task", "predictions", "flags"],
    "properties": {
        "schema_version": {"const": 1},
        "kind": {"const": "inspect"},
        "inputs": REPORT["properties"]["inputs"],
        "rows": {"type": ["integer", "null"], "description": "null where the format stores none"},
        "columns": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "type"],
                "properties": {"name": {"type": "string"}, "type": {"type": "string"}},
            },
        },
        "task": {"enum": [*TASKS, None], "description": "null: the columns could not be decided"},
        "error": {"type": "string", "description": "why the columns could not be decided"},
        "label": {"type": ["string", "null"]},
        "targets": {"type": "array", "items": {"type": "string"}},
        "predictions": {"type": "array", "items": {"type": "string"}},
        "logits": {"type": "boolean"},
        "weight": {"type": ["string", "null"]},
        "index": {"type": ["string", "null"], "description": "pandas' index column, never read"},
        "classes": {"type": ["array", "null"], "items": {"type": "string"}},
        "list": {"type": "boolean", "description": "predictions are one list column"},
        "label_rule": {"type": "string"},
        "metrics": {"type": "array", "items": {"type": "string"}},
        "notes": REPORT["properties"]["notes"],
        "flags": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

SCHEMAS = {"report": REPORT, "diff": DIFF, "compare": COMPARE, "inspect": INSPECT}


def schema_text(kind: str) -> str:
    """The JSON Schema document of a report kind, as printed by `xentcli schema`."""
    return json.dumps(SCHEMAS[kind], indent=2) + "\n"
