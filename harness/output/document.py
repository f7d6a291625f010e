"""A comparison as a versioned JSON document, and a loader for every version written so far.

Version 2 adds descent-bench's own version, the settings of the run, the ``library`` of each
record and the fields that version 1 files may lack (``devices``, ``parallel_efficiency``); a
version 1 file loads with those filled in as a one-device run. Fields added later do not bump
the schema: the loader ignores fields it does not know.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from descent_bench import __version__
from descent_bench.measurement.records import Record
from descent_bench.measurement.suite import SuiteResult

SCHEMA = "descent-bench/compare/2"


@dataclass
class SavedRun:
    schema: str
    version: str | None  # descent-bench's version that wrote it (None before version 2)
    machine: dict[str, Any]
    settings: dict[str, Any] | None  # what was asked for (None before version 2)
    ceilings: dict[str, Any]
    records: list[Record]


class NotAComparison(ValueError):
    """The file is not a comparison this version can read; the message says why."""


def document(result: SuiteResult, machine: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "version": __version__,
        "machine": {
            **machine,
            "processes": result.processes,
            "devices_per_row": sorted({r.devices for r in result.records}),
        },
        "settings": asdict(result.settings),
        "ceilings": {platform: asdict(c) for platform, c in result.ceilings.items()},
        "records": [asdict(r) for r in result.records],
    }


def _record(raw: dict[str, Any], defaults: dict[str, Any]) -> Record:
    known = {f.name for f in fields(Record)}
    values = {**defaults, **{k: v for k, v in raw.items() if k in known}}
    missing = known - set(values)
    if missing:
        raise NotAComparison(f"a record lacks {', '.join(sorted(missing))}")
    values["spread_seconds_per_iteration"] = tuple(values["spread_seconds_per_iteration"])
    return Record(**values)


def _load_v1(doc: dict[str, Any]) -> SavedRun:
    records = [
        _record(
            raw,
            {
                "library": raw.get("backend", ""),
                "devices": 1,
                "parallel_efficiency": None,
                "spread_seconds_per_iteration": (math.nan, math.nan),
                "harness_overhead_fraction": math.nan,
            },
        )
        for raw in doc["records"]
    ]
    return SavedRun(doc["schema"], None, doc["machine"], None, doc["ceilings"], records)


def _load_v2(doc: dict[str, Any]) -> SavedRun:
    records = [_record(raw, {}) for raw in doc["records"]]
    return SavedRun(
        doc["schema"], doc["version"], doc["machine"], doc["settings"], doc["ceilings"], records
    )


LOADERS: dict[str, Callable[[dict[str, Any]], SavedRun]] = {
    "descent-bench/compare/1": _load_v1,
    SCHEMA: _load_v2,
}


def load(text: str) -> SavedRun:
    """A saved comparison from its JSON text; ``NotAComparison`` says why it is not one."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise NotAComparison(f"not JSON: {exc}") from None
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if schema not in LOADERS:
        raise NotAComparison(f"not a compare result (schemas: {', '.join(LOADERS)})")
    try:
        return LOADERS[schema](doc)
    except (KeyError, TypeError) as exc:
        raise NotAComparison(f"a malformed {schema} document ({exc!r})") from None
