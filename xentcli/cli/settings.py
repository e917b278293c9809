"""Settings files: [tool.xentcli] in the nearest pyproject.toml, or xentcli.toml, or --config FILE.

Precedence is file < environment < command line: the file's values become click's default_map,
which click consults after the command line and environment variables.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xentcli.errors import UsageError

GATE_TABLES = ("max", "min", "max_increase")
PATH_KEYS = ("labels", "baseline", "output")  # relative to the settings file's folder


@dataclass(frozen=True)
class Settings:
    """Option defaults and gate tables read from one file (or none)."""

    path: Path | None = None
    options: dict[str, Any] = field(default_factory=dict)
    gates: dict[str, dict[str, str]] = field(default_factory=dict)


def find_config(start: Path) -> Path | None:
    """The nearest xentcli.toml, or pyproject.toml with [tool.xentcli], from start upward."""
    for folder in [start, *start.parents]:
        candidate = folder / "xentcli.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        tool = _read(candidate).get("tool", {}) if candidate.is_file() else {}
        if isinstance(tool, dict) and "xentcli" in tool:
            return candidate
    return None


def load_settings(path: Path | None, known: dict[str, str]) -> Settings:
    """Read a settings file; `known` maps each option's name (flag without --, dashes as
    underscores) to its parameter; any other key is an error naming it and the file."""
    if path is None:
        return Settings()
    data = _read(path)
    table: Any = data
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("xentcli", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.xentcli] must be a table of settings")
    options: dict[str, Any] = {}
    gates: dict[str, dict[str, str]] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        if key in GATE_TABLES:
            if not isinstance(value, dict):
                raise UsageError(
                    f"{path}: {raw_key} must be a table such as {{cross_entropy = 0.35}}"
                )
            gates[key] = {str(metric): str(limit) for metric, limit in value.items()}
        elif key in known:
            if key in PATH_KEYS and isinstance(value, str) and value != "-":
                value = str(path.parent / value)
            options[known[key]] = value
        else:
            raise UsageError(
                f"{path}: unknown key {raw_key!r}; known keys: "
                f"{', '.join(sorted(set(known) | set(GATE_TABLES)))}"
            )
    return Settings(path, options, gates)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise UsageError(f"{path}: not valid TOML (nested too deeply)") from None
