"""Independent runs (realizations, parameter grids) over local processes or a Dask cluster.

``sweep(fn, params)`` calls ``fn`` once per item of ``params`` and returns the results in
the order of ``params``, whether they ran here one by one, in local worker processes, or
on a ``dask.distributed.Client``'s cluster. Each run must be independent and take its
randomness from its own parameters (e.g. a seed), so the results do not depend on where
or in which order the runs happen.
"""
from __future__ import annotations

import functools
import os

from . import _validate as V
from ._malloc import glibc
from ._progress import Progress


class SweepError(RuntimeError):
    """A run of :func:`sweep` failed; ``index`` and ``params`` say which."""

    def __init__(self, index, params, error):
        import reprlib
        short = reprlib.Repr()
        short.maxstring, short.maxother, short.maxlist, short.maxdict = 80, 80, 6, 8
        super().__init__(f"sweep: run {index} with parameters {short.repr(params)} failed: "
                         f"{type(error).__name__}: {error}")
        self.index, self.params = index, params


def _call(fn, p):
    return fn(**p) if isinstance(p, dict) else fn(p)


def sweep(fn, params, client=None, *, processes: int | None = None, progress: bool | None = None) -> list:
    """``[fn(**p) if p is a dict else fn(p) for p in params]``, computed in parallel.

    Parameters
    ----------
    fn : a module-level function (it is pickled to the workers).
    params : an iterable of parameter dicts (keyword arguments) or single arguments.
    client : a ``dask.distributed.Client``: the runs go to its cluster (in chunks, about
        four per worker thread). None: local processes.
    processes : local worker processes (default: the machine's cores; 1 runs here, in
        this process, one after the other). Ignored with a client.
    progress : progress bar on stderr (None: on an interactive stderr only).

    Returns
    -------
    The results in the order of ``params``. A run that raises stops the sweep with
    :class:`SweepError` naming its index and parameters (the original exception
    chained); the other runs' workers are released.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    items = list(params)
    n = len(items)
    if client is not None:
        return _on_dask(fn, items, client, progress)
    workers = (os.cpu_count() or 1) if processes is None else V.as_count("processes", processes)
    workers = min(workers, max(n, 1))
    with Progress(n, "sweep", enabled=progress) as bar:
        if workers <= 1:
            out = [None] * n
            for i, p in enumerate(items):
                try:
                    out[i] = _call(fn, p)
                except Exception as err:
                    raise SweepError(i, p, err) from err
                bar.update(1)
            return out
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed
        # fork where there is one: workers start at once, with numba's compiled kernels
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init) as pool:
            futures = [pool.submit(_call, fn, p) for p in items]
            try:
                return _gather(futures, items, as_completed, bar)
            except BaseException:
                for fut in futures:
                    fut.cancel()
                raise


def _worker_init():
    """A sweep worker runs its networks on one thread: the workers already use the cores
    (and GNU OpenMP's threads do not survive a fork)."""
    from . import engine
    engine._default_threads = 1


def _gather(futures, items, as_completed, bar) -> list:
    """The results of ``futures`` (aligned with ``items``) in that order, taken as they
    complete; the first failure raises :class:`SweepError`."""
    index = {id(f): i for i, f in enumerate(futures)}
    out = [None] * len(futures)
    for fut in as_completed(futures):
        i = index[id(fut)]
        try:
            out[i] = fut.result()
        except Exception as err:
            raise SweepError(i, items[i], err) from err
        bar.update(1)
    return out


#: glibc's ``mallopt`` parameter numbers (malloc.h) and its default mmap threshold.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _DEFAULT_MMAP_THRESHOLD = -1, -3, 128 << 10
#: the allocator settings a chunk of runs works under (bytes): arrays up to 32 MiB (a
#: run's records and buffers) come from the heap, and up to 128 MiB of freed heap is kept,
#: so that they are not handed back to the OS and faulted in again run after run.
CHUNK_MMAP_THRESHOLD, CHUNK_TRIM_THRESHOLD = 32 << 20, 128 << 20


class _KeepFreedMemory:
    """While a chunk of runs executes on a Dask worker, glibc keeps freed memory.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (config
    ``distributed.nanny.pre-spawn-environ``) so that they return memory promptly. Setting
    it also switches off glibc's adaptive mmap threshold, so every array over 128 KiB is
    mapped and unmapped, and its pages faulted in afresh: measured on the bench_sweep
    network, 1.3x slower per run than in a plain process. Inside a chunk both thresholds
    are raised (:data:`CHUNK_MMAP_THRESHOLD`, :data:`CHUNK_TRIM_THRESHOLD`); afterwards
    they are set back (to the environment's values, glibc's 128 KiB default for the mmap
    threshold) and the heap is trimmed (``malloc_trim(0)``), so the worker ends the task
    as lean as Dask wants it. Nothing is done off glibc or where the process did not start
    with the variable (glibc's own adaptive thresholds apply then).
    """

    def __init__(self):
        self.libc = self.restore = None
        env = _start_environ()
        trim = env.get("MALLOC_TRIM_THRESHOLD_", "")
        mmap = env.get("MALLOC_MMAP_THRESHOLD_", str(_DEFAULT_MMAP_THRESHOLD))
        if not (trim.isdigit() and mmap.isdigit()) or int(trim) >= CHUNK_TRIM_THRESHOLD:
            return
        libc = glibc()
        if libc is None:      # not glibc: leave the allocator alone
            return
        self.libc, self.restore = libc, ((_M_TRIM_THRESHOLD, int(trim)), (_M_MMAP_THRESHOLD, int(mmap)))

    def __enter__(self):
        if self.libc is not None:
            self.libc.mallopt(_M_TRIM_THRESHOLD, CHUNK_TRIM_THRESHOLD)
            self.libc.mallopt(_M_MMAP_THRESHOLD, CHUNK_MMAP_THRESHOLD)
        return self

    def __exit__(self, *exc):
        if self.libc is not None:
            for param, value in self.restore:
                self.libc.mallopt(param, value)
            self.libc.malloc_trim(0)
        return False


@functools.lru_cache(maxsize=1)
def _start_environ() -> dict:
    """The environment this process started with (glibc reads its ``MALLOC_*`` variables
    then; ``os.environ`` may have changed since -- Dask's nanny puts its variables into
    the client's ``os.environ`` too). Read once per process; empty where
    ``/proc/self/environ`` is not readable."""
    try:
        with open("/proc/self/environ", "rb") as f:
            raw = f.read()
    except OSError:
        return {}
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}


def _call_chunk(fn, start, chunk):
    """Runs ``chunk`` (items ``start ..``) in one task; a failure is returned, not raised,
    as ``(False, index, error)`` so that the client can name the run."""
    out = []
    with _KeepFreedMemory():
        for j, p in enumerate(chunk):
            try:
                out.append(_call(fn, p))
            except Exception as err:
                try:
                    import pickle
                    pickle.dumps(err)
                except Exception:
                    err = RuntimeError(f"{type(err).__name__}: {err}")
                return (False, start + j, err)
    return (True, start, out)


def _on_dask(fn, items, client, progress):
    """One task per chunk of runs (about four chunks per worker thread: a task costs the
    scheduler a few ms, comparable to a short run), results re-assembled in order."""
    try:
        from distributed import as_completed
    except ImportError as err:      # pragma: no cover - the client came from somewhere
        raise ImportError("a dask client needs the 'distributed' package: pip install 'lava_eirate[scale]'") from err
    if not hasattr(client, "submit"):
        raise TypeError(f"client must be a dask.distributed.Client, got {type(client).__name__}")
    client.run(_worker_init)
    slots = max(sum(client.nthreads().values()), 1)
    size = max(1, -(-len(items) // (4 * slots)))
    starts = list(range(0, len(items), size))
    futures = [client.submit(_call_chunk, fn, s0, items[s0:s0 + size], pure=False) for s0 in starts]
    out = [None] * len(items)
    with Progress(len(items), "sweep (dask)", enabled=progress) as bar:
        try:
            for fut in as_completed(futures):
                ok, where, res = fut.result()
                if not ok:
                    raise SweepError(where, items[where], res) from res
                out[where:where + len(res)] = res
                bar.update(len(res))
            return out
        finally:
            client.cancel([f for f in futures if not f.done()])
