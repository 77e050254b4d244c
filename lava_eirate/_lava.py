"""Importing Lava after something else has fixed multiprocessing's start method.

Lava 0.10 calls ``multiprocessing.set_start_method("fork")`` (without ``force``) when its
message infrastructure is imported (``lava/magma/runtime/message_infrastructure/
multiprocessing.py``), which any Lava Process pulls in. That raises "context has already
been set" once anything in the process has asked for the default context -- starting a
``dask.distributed.LocalCluster`` does. :func:`prepare_lava_import` runs before
lava_eirate imports Lava: a start method already fixed to "fork" is unset (Lava sets the
same method again); another method is an error that names it, since Lava's runtime
needs "fork".
"""
from __future__ import annotations

import multiprocessing as mp
import platform
import sys

_LAVA_MP = "lava.magma.runtime.message_infrastructure.multiprocessing"


def prepare_lava_import() -> None:
    """Make Lava's import-time ``set_start_method("fork")`` succeed (see the module doc)."""
    if _LAVA_MP in sys.modules or platform.system() == "Windows":
        return
    method = mp.get_start_method(allow_none=True)
    if method is None:
        return
    if method != "fork":
        raise RuntimeError(f"multiprocessing's start method is {method!r}, but Lava's runtime sets 'fork' when it is "
                           f"imported and fails once another method is fixed; import lava_eirate.proc (or lava) "
                           f"before choosing {method!r}, or use multiprocessing.get_context({method!r}) instead "
                           f"of set_start_method")
    mp.set_start_method(None, force=True)
