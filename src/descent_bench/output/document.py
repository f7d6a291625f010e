"""A comparison as a versioned JSON document, and a loader for every version written so far.

Version 2 adds descent-bench's own version, the settings of the run, the ``library`` of each
record and the fields that version 1 files may lack (``devices``); a version 1 file loads with
those filled in as a one-device run. Version 3 says which reference each record's
``max_rel_diff`` was measured against (``reference``: ``exact``, ``independent`` or
``kernel``) and drops ``clock`` (always "host") and ``harness_overhead_fraction`` (never
read); version 1 and 2 files were all checked against the kernel on NumPy, and load so.
Other fields added later do not bump the schema: they have
defaults (a record without ``samples`` keeps no calls, one without ``instructions`` was not
counted), and the loader ignores fields it does not know, such as the derived values written
for other readers (iterations/s, GB/s, noise, the mean and its interval) and the ``summary``
(the fastest backend per problem and size, crossovers, disagreeing rows, ceilings), which is
recomputed from the records when shown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, fields
from typing import Any

from descent_bench import __version__
from descent_bench.output.cells import shown_rows
from descent_bench.output.summary import summarize
from descent_bench.records.ratios import shown_seconds
from descent_bench.records.record import REFERENCE_KINDS, Record, Sample
from descent_bench.records.run import SuiteResult

SCHEMA = "descent-bench/compare/3"


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


def derived(record: Record) -> dict[str, Any]:
    """Values computed from a record, written beside it for readers of the file."""
    low, high = record.median_interval
    noise = record.relative_noise
    mean = shown_seconds(record)
    return {
        "mean_seconds_per_iteration": mean.value,
        "mean_interval_seconds_per_iteration": (
            None if math.isnan(mean.low) else [mean.low, mean.high]
        ),
        "iterations_per_second": record.iterations_per_second,
        "gbytes_per_second": record.gbytes_per_second,
        "relative_noise": None if math.isnan(noise) else noise,
        "median_interval_seconds_per_iteration": None if math.isnan(low) else [low, high],
        "instructions_per_iteration": record.instructions_per_iteration,
        "instructions_per_element": record.instructions_per_element,
    }


def document(result: SuiteResult, machine: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "version": __version__,
        "machine": {
            **machine,
            "processes": result.processes,
            "workers": result.workers,
            "worker_cpus": [list(c) for c in result.cpus],
            "devices_per_row": sorted({r.devices for r in result.records}),
            "state": None if result.machine_state is None else asdict(result.machine_state),
        },
        "settings": asdict(result.settings),
        "ceilings": {platform: asdict(c) for platform, c in result.ceilings.items()},
        "roofs": {
            name: asdict(roofs)
            for name, roofs in (("cpu", result.roofs), ("gpu", result.gpu_roofs))
            if roofs is not None
        }
        or None,
        "records": [{**asdict(r), **derived(r)} for r in result.records],
        # Derived from the records for readers of the file; a loader recomputes it.
        "summary": summarize(shown_rows(result.records), result.ceilings).as_json(),
    }


# What each record field may hold in a file (JSON numbers: int or float; null for None).
NUMBER = (int, float)
OPTIONAL_NUMBER = (*NUMBER, type(None))
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "backend": (str,),
    "library": (str,),
    "device": (str,),
    "problem": (str,),
    "dtype": (str,),
    "reference": (str,),
    "platform": (str,),
    "precision": (str,),
    "loop": (str,),
    "bound_model": (str,),
    "data_in": (str,),
    "compute_roof_seconds": OPTIONAL_NUMBER,
    "memory_roof_seconds": OPTIONAL_NUMBER,
    "overhead": (str,),
    "overhead_seconds": OPTIONAL_NUMBER,
    "notes": (list, tuple),
    "tolerance": OPTIONAL_NUMBER,
    "size": (int,),
    "iterations": (int,),
    "bytes_per_iteration": (int,),
    "devices": (int,),
    "threads": (int, type(None)),
    "agrees": (bool,),
    "baseline": (bool,),
    "noisy": (bool,),
    "compile_seconds": OPTIONAL_NUMBER,
    "bandwidth_fraction": OPTIONAL_NUMBER,
    "samples": (list,),
    "instructions": (int, type(None)),
    "uncounted": (str, type(None)),
    "allocator_instructions": (int, type(None)),
}
MAX_BYTES = 256 * 2**20  # a saved comparison larger than this is refused unread
DEFAULTS: dict[str, Any] = {
    f.name: f.default if f.default_factory is MISSING else f.default_factory()
    for f in fields(Record)
    if f.default is not MISSING or f.default_factory is not MISSING
}


def _samples(raw: list[Any], where: str) -> tuple[Sample, ...]:
    samples = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise NotAComparison(f"{where}: sample {i} is not an object")
        try:
            seconds, k, round_, process = (
                item["seconds"],
                item["iterations"],
                item["round"],
                item["process"],
            )
        except KeyError as exc:
            raise NotAComparison(f"{where}: sample {i} lacks {exc.args[0]}") from None
        ints = (k, round_, process)
        if any(not isinstance(v, int) or isinstance(v, bool) for v in ints):
            raise NotAComparison(f"{where}: sample {i} has a count that is not an integer")
        if not isinstance(seconds, NUMBER) or isinstance(seconds, bool):
            raise NotAComparison(f"{where}: sample {i} seconds is not a number")
        if k < 1 or round_ < 0 or process < 0 or not _real(seconds, where) > 0:
            raise NotAComparison(f"{where}: sample {i} is out of range")
        device = item.get("device_seconds")
        if device is not None and (not isinstance(device, NUMBER) or isinstance(device, bool)):
            raise NotAComparison(f"{where}: sample {i} device_seconds is not a number")
        on_device = None if device is None else _real(device, where)
        samples.append(Sample(_real(seconds, where), k, round_, process, on_device))
    return tuple(samples)


def _record(raw: Any, defaults: dict[str, Any], index: int) -> Record:
    if not isinstance(raw, dict):
        raise NotAComparison(f"record {index} is not an object")
    known = {f.name for f in fields(Record)}
    values = {**DEFAULTS, **defaults, **{k: v for k, v in raw.items() if k in known}}
    missing = known - set(values)
    if missing:
        raise NotAComparison(f"record {index} lacks {', '.join(sorted(missing))}")
    for name in known:
        allowed = FIELD_TYPES.get(name, NUMBER)
        value = values[name]
        if name == "samples" and isinstance(value, tuple):
            continue  # the default
        wrong_bool = isinstance(value, bool) and bool not in allowed
        if not isinstance(value, allowed) or wrong_bool:
            raise NotAComparison(f"record {index}: {name} is {type(value).__name__} {value!r:.40}")
        if allowed in (NUMBER, OPTIONAL_NUMBER) and value is not None:
            values[name] = _real(value, f"record {index}: {name}")
    for name in ("size", "iterations", "devices"):
        if values[name] < 1:
            raise NotAComparison(f"record {index}: {name} must be at least 1, got {values[name]}")
    if values["reference"] not in REFERENCE_KINDS:
        raise NotAComparison(
            f"record {index}: reference must be one of {', '.join(REFERENCE_KINDS)}, "
            f"got {values['reference']!r:.40}"
        )
    if values["instructions"] is not None and values["instructions"] < 1:
        raise NotAComparison(f"record {index}: instructions must be at least 1")
    allocator = values["allocator_instructions"]
    if allocator is not None and not 0 <= allocator <= (values["instructions"] or 0):
        raise NotAComparison(
            f"record {index}: allocator_instructions must be from 0 to instructions, "
            f"got {allocator}"
        )
    if not values["seconds_per_iteration"] > 0:
        raise NotAComparison(f"record {index}: seconds_per_iteration must be above 0")
    if not all(isinstance(n, str) for n in values["notes"]):
        raise NotAComparison(f"record {index}: notes must be a list of strings")
    values["notes"] = tuple(values["notes"])
    if isinstance(values["samples"], list):
        values["samples"] = _samples(values["samples"], f"record {index}")
    return Record(**values)


def _real(value: Any, what: str) -> float:
    """A JSON number as a float (an integer too large for one is refused)."""
    try:
        return float(value)
    except OverflowError:
        raise NotAComparison(f"{what} is too large for a float") from None


def _load_v1(doc: dict[str, Any]) -> SavedRun:
    records = [
        _record(
            raw,
            {"library": raw.get("backend", "") if isinstance(raw, dict) else "", "devices": 1},
            index,
        )
        for index, raw in enumerate(doc["records"])
    ]
    return SavedRun(doc["schema"], None, doc["machine"], None, doc["ceilings"], records)


def _load_v2(doc: dict[str, Any]) -> SavedRun:
    """Versions 2 and 3 (a version 2 record has no ``reference``: the kernel, the default)."""
    records = [_record(raw, {}, index) for index, raw in enumerate(doc["records"])]
    return SavedRun(
        doc["schema"], doc["version"], doc["machine"], doc["settings"], doc["ceilings"], records
    )


LOADERS: dict[str, Callable[[dict[str, Any]], SavedRun]] = {
    "descent-bench/compare/1": _load_v1,
    "descent-bench/compare/2": _load_v2,
    SCHEMA: _load_v2,
}


def load(text: str | bytes) -> SavedRun:
    """A saved comparison from its JSON text; ``NotAComparison`` says why it is not one."""
    if len(text) > MAX_BYTES:
        raise NotAComparison(f"larger than {MAX_BYTES // 2**20} MiB, not a saved comparison")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise NotAComparison(f"not JSON: {exc}") from None
    except RecursionError:
        raise NotAComparison("not a compare result: nested too deeply") from None
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if not isinstance(schema, str) or schema not in LOADERS:
        raise NotAComparison(f"not a compare result (schemas: {', '.join(LOADERS)})")
    for key, kind in (("machine", dict), ("ceilings", dict), ("records", list)):
        if not isinstance(doc.get(key), kind):
            raise NotAComparison(f"a malformed {schema} document: no {key} {kind.__name__}")
    try:
        return LOADERS[schema](doc)
    except NotAComparison:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise NotAComparison(f"a malformed {schema} document ({exc!r:.80})") from None


def read(path: str) -> SavedRun:
    """``load`` of a file, reading at most ``MAX_BYTES`` + 1 bytes of it (``/dev/zero`` and
    the like end there); ``OSError`` if it cannot be read."""
    with open(path, "rb") as fh:
        return load(fh.read(MAX_BYTES + 1))
