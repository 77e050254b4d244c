"""Boundary validation: every message names the parameter, the value (and index) and the range."""
from __future__ import annotations

import numbers

import numpy as np


def _where(name: str, arr: np.ndarray, mask: np.ndarray) -> tuple[str, object]:
    idx = np.argwhere(mask)[0]
    if arr.ndim == 0:
        return name, arr.item()
    label = f"{name}[{', '.join(str(int(k)) for k in idx)}]"
    return label, arr[tuple(idx)].item()


def as_count(name: str, value, lo: int = 1) -> int:
    """A positive integer count such as ``n`` or ``num_steps`` (booleans are refused)."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}={value!r} must be an integer >= {lo}, not a boolean")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name}={value!r} must be an integer >= {lo}")
    value = int(value)
    if value < lo:
        raise ValueError(f"{name}={value} is out of range: must be an integer >= {lo}")
    return value


def generator(rng, name: str = "rng") -> np.random.Generator:
    """``rng`` itself when it is a numpy Generator (every random draw goes through one)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    return rng


def as_flag(name: str, value) -> bool:
    """A boolean option: True or False only (``"no"`` or ``0`` are not taken for one)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}={value!r} must be True or False")
    return bool(value)


def _numeric_array(name: str, value) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise ValueError(f"{name} could not be read as a numeric array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be numeric, got dtype {arr.dtype} ({value!r:.80})")
    return arr


def _broadcast(name: str, arr: np.ndarray, n: int | None) -> np.ndarray:
    if n is None or arr.ndim == 0:
        return arr
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape}; expected a scalar or shape ({n},)")
    return arr


def _no_bool(name: str, arr: np.ndarray, allow_bool: bool):
    if arr.dtype == bool and not allow_bool:
        raise ValueError(f"{name} must be numbers, not booleans (got {arr.tolist() if arr.size < 8 else 'a bool array'})")


def int_param(name: str, value, lo: int, hi: int, n: int | None = None,
              allow_bool: bool = False) -> np.ndarray:
    """Integer scalar or per-neuron array in ``[lo, hi]``; returns int64 (shape () or (n,)).

    Float input is accepted only where every element is an exact integer; booleans only
    with ``allow_bool`` (spike arrays).
    """
    arr = _broadcast(name, _numeric_array(name, value), n)
    _no_bool(name, arr, allow_bool)
    if np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.complexfloating):
        if np.iscomplexobj(arr):
            raise ValueError(f"{name} must be real integers, got complex values")
        bad = ~np.isfinite(arr)
        if bad.any():
            label, val = _where(name, arr, bad)
            raise ValueError(f"{label} = {val} is not finite; legal range is integers in [{lo}, {hi}]")
        bad = arr != np.round(arr)
        if bad.any():
            label, val = _where(name, arr, bad)
            raise ValueError(f"{label} = {val} is not an integer; legal range is integers in [{lo}, {hi}]")
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
        label, val = _where(name, arr, arr > np.iinfo(np.int64).max)
        raise ValueError(f"{label} = {val} is out of range [{lo}, {hi}]")
    bad = (arr < lo) | (arr > hi)
    if np.any(bad):
        label, val = _where(name, arr, np.asarray(bad))
        raise ValueError(f"{label} = {val} is out of range [{lo}, {hi}]")
    return arr.astype(np.int64)


def int_scalar(name: str, value, lo: int, hi: int) -> int:
    """One integer in ``[lo, hi]`` (not an array, not a boolean)."""
    arr = int_param(name, value, lo, hi)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single integer in [{lo}, {hi}], got an array of shape {arr.shape}")
    return int(arr)


def float_param(name: str, value, lo: float = -np.inf, hi: float = np.inf,
                n: int | None = None) -> np.ndarray:
    """Finite real scalar or per-neuron array in ``[lo, hi]``; returns float64."""
    arr = _broadcast(name, _numeric_array(name, value), n)
    _no_bool(name, arr, False)
    if np.iscomplexobj(arr):
        raise ValueError(f"{name} must be real, got complex values")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        label, val = _where(name, arr, bad)
        raise ValueError(f"{label} = {val} is not finite; legal range is [{lo}, {hi}]")
    bad = (arr < lo) | (arr > hi)
    if np.any(bad):
        label, val = _where(name, arr, np.asarray(bad))
        raise ValueError(f"{label} = {val} is out of range [{lo}, {hi}]")
    return arr


def full(arr: np.ndarray, n: int, dtype) -> np.ndarray:
    """Broadcast a validated scalar or (n,) array to a contiguous (n,) array."""
    return np.array(np.broadcast_to(arr, (n,)), dtype=dtype, order="C", copy=True)
