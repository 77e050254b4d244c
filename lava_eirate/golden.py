"""Bit-accuracy regression: record a trace once, check every later run bit for bit.

A golden file is one compressed ``.npz`` holding the recorded arrays (``s``, ``u``,
``v``), the parameters that produced them (JSON), metadata (lava_eirate, Lava and numpy
versions, creation time) and a SHA-256 over all of it. :func:`load` verifies the hash, so
a corrupted or truncated file is an error, never a pass.

    le.golden.record("net.npz", trace, params={...})
    g = le.golden.load("net.npz")
    diff = le.golden.compare(g.trace, trace)      # None when bit-exact
    le.golden.assert_bit_exact(g.trace, trace)

With pytest, the ``golden`` fixture (this package's pytest plugin) does the same in one
line per test; ``pytest --update-golden`` (re)records.
"""
from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np

from .simulators import Trace

FORMAT_VERSION = 1
_FIELDS = ("s", "u", "v")


class GoldenError(Exception):
    """A golden file is missing, corrupted, truncated, or of an unknown format."""


@dataclass
class Golden:
    """A loaded golden file."""

    trace: Trace
    params: dict
    meta: dict
    path: str = ""


@dataclass
class Divergence:
    """Where two traces first differ (``step`` counts from 1, as Lava does)."""

    variable: str
    step: int | None
    neuron: int | None
    expected: object
    actual: object
    num_differing: int
    reason: str = "value"
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        if self.reason != "value":
            return f"{self.variable}: {self.reason} (expected {self.expected}, got {self.actual})"
        return (f"first divergence in {self.variable} at step {self.step}, neuron {self.neuron}: "
                f"expected {self.expected}, got {self.actual} "
                f"({self.num_differing} differing entries in {self.variable})")


def _versions() -> dict:
    from importlib import metadata

    from . import __version__

    def version(dist):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    return {"lava_eirate": __version__, "lava-nc": version("lava-nc"), "numpy": np.__version__}


def _digest(arrays: dict, params_json: str, meta_json: str) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        h.update(str(a.dtype.str).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    h.update(params_json.encode())
    h.update(meta_json.encode())
    return h.hexdigest()


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": obj.tolist(), "dtype": obj.dtype.str}
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, "toarray"):
        return _jsonable(np.asarray(obj.toarray()))
    if hasattr(obj, "name") and hasattr(obj, "value") and type(obj).__module__.startswith("lava"):
        return obj.value
    return obj


def _from_json(obj):
    if isinstance(obj, dict):
        if "__ndarray__" in obj:
            return np.asarray(obj["__ndarray__"], dtype=np.dtype(obj["dtype"]))
        return {k: _from_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_from_json(v) for v in obj]
    return obj


def record(path, trace: Trace, params: dict | None = None, meta: dict | None = None) -> str:
    """Write ``trace`` (its recorded s/u/v), ``params`` and ``meta`` to ``path``; returns
    the content hash. Parent folders are created."""
    if not isinstance(trace, Trace):
        raise TypeError(f"trace must be a lava_eirate.Trace, got {type(trace).__name__}")
    arrays = {k: np.asarray(getattr(trace, k)) for k in _FIELDS if getattr(trace, k) is not None}
    if not arrays:
        raise ValueError("the trace recorded none of s, u, v; nothing to keep")
    info = {"format": FORMAT_VERSION, "kind": trace.kind, "n": trace.n, "num_steps": trace.num_steps,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(), "user": _jsonable(meta or {})}
    params_json = json.dumps(_jsonable(params or {}), sort_keys=True)
    meta_json = json.dumps(info, sort_keys=True)
    digest = _digest(arrays, params_json, meta_json)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    # A temporary file of its own per call (concurrent writers of one path each write a
    # whole file; the last rename wins), removed if anything fails.
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays, __params__=np.array(params_json), __meta__=np.array(meta_json),
                                __sha256__=np.array(digest))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return digest


#: Largest parameter or metadata record read from a golden file (bytes, uncompressed).
MAX_JSON_BYTES = 256 * 2 ** 20


def _check_sizes(path, raw: bytes) -> None:
    """Refuse members that would inflate beyond what the file declares (a zip bomb
    reaches gigabytes before the hash can be checked)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        info = {i.filename: i for i in zf.infolist()}
        meta_info = info.get("__meta__.npy")
        if meta_info is None:
            return  # reported as "not a golden file" below
        if meta_info.file_size > MAX_JSON_BYTES:
            raise GoldenError(f"golden file {path}: its metadata would inflate to {meta_info.file_size} bytes")
        with zf.open(meta_info) as fh:
            meta = json.loads(str(np.lib.format.read_array(fh, allow_pickle=False)))
        T, n = int(meta["num_steps"]), int(meta["n"])
        if T < 1 or n < 1:
            raise GoldenError(f"golden file {path}: num_steps={T}, n={n} in its metadata")
        for name, item in info.items():
            field = name[:-4] if name.endswith(".npy") else name
            limit = T * n * 8 + 4096 if field in _FIELDS else MAX_JSON_BYTES
            if item.file_size > limit:
                raise GoldenError(f"golden file {path}: member {name} would inflate to {item.file_size} "
                                  f"bytes, more than its declared {T} x {n} shape allows ({limit})")


def load(path) -> Golden:
    """Read and verify a golden file; raise :class:`GoldenError` if it is missing,
    unreadable, truncated, of another format version, or fails its hash."""
    if not os.path.exists(path):
        raise GoldenError(f"golden file {path} does not exist")
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        _check_sizes(path, raw)
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            files = set(z.files)
            missing = {"__params__", "__meta__", "__sha256__"} - files
            if missing:
                raise GoldenError(f"{path} is not a lava_eirate golden file (lacks {sorted(missing)})")
            arrays = {k: z[k] for k in _FIELDS if k in files}
            params_json = str(z["__params__"])
            meta_json = str(z["__meta__"])
            digest = str(z["__sha256__"])
    except GoldenError:
        raise
    except (OSError, ValueError, TypeError, AttributeError, KeyError, EOFError, MemoryError,
            zipfile.BadZipFile, zlib.error, json.JSONDecodeError) as exc:
        raise GoldenError(f"golden file {path} is corrupted or truncated: {type(exc).__name__}: {exc}") from None
    if _digest(arrays, params_json, meta_json) != digest:
        raise GoldenError(f"golden file {path} fails its SHA-256 check: its content was altered")
    try:
        meta = json.loads(meta_json)
        if meta.get("format") != FORMAT_VERSION:
            raise GoldenError(f"golden file {path} has format {meta.get('format')}; this lava_eirate "
                              f"reads format {FORMAT_VERSION}")
        shapes = {a.shape for a in arrays.values()}
        if len(shapes) != 1 or shapes != {(meta["num_steps"], meta["n"])}:
            raise GoldenError(f"golden file {path}: array shapes {shapes} disagree with "
                              f"(num_steps, n) = ({meta['num_steps']}, {meta['n']})")
        s = arrays.get("s")
        trace = Trace(s=s, u=arrays.get("u"), v=arrays.get("v"), num_steps=meta["num_steps"], n=meta["n"],
                      kind=meta["kind"], num_spikes=int(s.sum()) if s is not None else 0)
        params = _from_json(json.loads(params_json))
    except GoldenError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, json.JSONDecodeError) as exc:
        raise GoldenError(f"golden file {path} has malformed metadata: {type(exc).__name__}: {exc}") from None
    return Golden(trace=trace, params=params, meta=meta, path=str(path))


def compare_params(recorded: dict, given: dict) -> str | None:
    """``None`` when ``given`` equals the parameters a golden file was recorded with (as
    stored: JSON-normalised), else a sentence naming the first key that differs."""
    a = json.loads(json.dumps(_jsonable(recorded or {}), sort_keys=True))
    b = json.loads(json.dumps(_jsonable(given or {}), sort_keys=True))
    if a == b:
        return None
    for key in sorted(set(a) | set(b)):
        if a.get(key, "<absent>") != b.get(key, "<absent>"):
            def short(x):
                text = json.dumps(x)
                return text if len(text) < 60 else text[:57] + "..."
            return (f"parameter {key!r} differs: recorded {short(a.get(key, '<absent>'))}, "
                    f"checked with {short(b.get(key, '<absent>'))}")
    return "parameters differ"


def _bits(a: np.ndarray) -> np.ndarray:
    """An integer view for exact (bitwise) comparison of floats; other dtypes as they are."""
    if a.dtype.kind == "f":
        return a.view(np.dtype(f"u{a.dtype.itemsize}"))
    return a


def compare(expected: Trace, actual: Trace, variables=_FIELDS) -> Divergence | None:
    """``None`` when every variable recorded in both traces is identical bit for bit;
    otherwise the first divergence (earliest step, then lowest neuron, in the order
    s, u, v) with the number of differing entries. A variable recorded in only one of
    the two, or a shape difference, is reported as a divergence too."""
    first = None
    for name in variables:
        e, a = getattr(expected, name), getattr(actual, name)
        if e is None and a is None:
            continue
        if e is None or a is None:
            return Divergence(name, None, None, "recorded" if e is not None else "not recorded",
                              "recorded" if a is not None else "not recorded", 0, reason="recorded in only one trace")
        e, a = np.asarray(e), np.asarray(a)
        if e.shape != a.shape:
            return Divergence(name, None, None, e.shape, a.shape, 0, reason="shape differs")
        if name == "s":
            diff = e.astype(bool) != a.astype(bool)
        elif e.dtype.kind == "f" or a.dtype.kind == "f":
            diff = _bits(e.astype(np.float64)) != _bits(a.astype(np.float64))
        else:
            diff = e.astype(np.int64) != a.astype(np.int64)
        if diff.any():
            t, i = (int(x) for x in np.argwhere(diff)[0])
            cand = Divergence(name, t + 1, i, e[t, i].item(), a[t, i].item(), int(diff.sum()))
            if first is None or (cand.step, cand.neuron) < (first.step, first.neuron):
                first = cand
    return first


def assert_bit_exact(expected: Trace, actual: Trace) -> None:
    """Raise ``AssertionError`` naming the first divergence unless the traces are identical."""
    diff = compare(expected, actual)
    if diff is not None:
        raise AssertionError(f"traces are not bit-exact: {diff}")
