"""lava_eirate: E/I networks from rates to Loihi-ready fixed-point spiking networks in Lava.

The fixed-point engine (:func:`simulate_fixed`) is bit-exact with Lava 0.10's
``PyLifModelBitAcc`` + ``PyDenseModelBitAcc``/``PySparseModelBitAcc``.
Lava itself is imported only by :mod:`lava_eirate.proc` and the reference helpers in
:mod:`lava_eirate.lava_ref`, so ``import lava_eirate`` stays fast.
"""
from .loihi.weights import SignMode
from .params import (EILIFParams, FixedLIF, FixedLIFRefractory, FixedLIFReset, FixedRate, FixedSynapses,
                     FixedTernaryLIF, FloatLIF, FloatLIFRefractory, FloatLIFReset, FloatRate, FloatSynapses,
                     FloatTernaryLIF)
from .simulators import Trace, simulate_fixed, simulate_float, simulate_rate
from .engine import Network, NetworkState, NetworkTrace, PoissonSource, SpikeSource, simulate

__version__ = "0.1.0"

# Loaded on first use, so that ``import lava_eirate`` costs only numpy + numba: Lava takes
# seconds to import, and meanfield/convert bring in scipy.special and scipy.optimize.
_LAZY = {"EIRateNetwork": "proc", "EILIFNetwork": "proc", "from_lava": "lava_import", "run_lava": "lava_import",
         "convert_rate_to_lif_params": "convert", "float_to_fixed": "convert", "fixed_to_float": "convert",
         "sweep": "parallel", "rate_to_fixed": "convert"}
_SUBMODULES = ("golden", "meanfield", "network", "analysis", "convert", "proc", "ratemodels", "plot", "parallel",
               "nir")


def __getattr__(name):
    import importlib
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'lava_eirate' has no attribute {name!r}")


def __dir__():
    """The eager names plus the lazily loaded ones (so dir() and tab completion show them)."""
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))

__all__ = ["SignMode", "EILIFParams", "FixedLIF", "FixedLIFReset", "FixedTernaryLIF", "FixedLIFRefractory",
           "FixedRate", "FloatRate", "FixedSynapses", "FloatLIF", "FloatLIFReset", "FloatTernaryLIF", "FloatLIFRefractory",
           "FloatSynapses", "Network", "NetworkState", "NetworkTrace", "PoissonSource", "SpikeSource", "simulate", "Trace",
           "simulate_fixed", "simulate_float", "simulate_rate", "EIRateNetwork", "EILIFNetwork",
           "convert_rate_to_lif_params", "float_to_fixed", "fixed_to_float", "from_lava", "run_lava",
           "sweep", "rate_to_fixed", "__version__"]
