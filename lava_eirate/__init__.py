"""lava_eirate: E/I networks from rates to Loihi-ready fixed-point spiking networks in Lava.

The fixed-point engine (:func:`simulate_fixed`) is bit-exact with Lava 0.10's
``PyLifModelBitAcc`` + ``PyDenseModelBitAcc``/``PySparseModelBitAcc``.
Lava itself is imported only by :mod:`lava_eirate.proc` and the reference helpers in
:mod:`lava_eirate.lava_ref`, so ``import lava_eirate`` stays fast.
"""
from .loihi.weights import SignMode
from .params import EILIFParams, FixedLIF, FixedSynapses, FloatLIF, FloatSynapses
from .simulate import Trace, simulate_fixed, simulate_float, simulate_rate
from . import golden, meanfield, network
from .convert import convert_rate_to_lif_params, fixed_to_float, float_to_fixed

__version__ = "0.1.0"


def __getattr__(name):
    # Lava Processes are imported on first use: importing Lava takes seconds.
    if name in ("EIRateNetwork", "EILIFNetwork"):
        from . import proc
        return getattr(proc, name)
    raise AttributeError(f"module 'lava_eirate' has no attribute {name!r}")

__all__ = ["SignMode", "EILIFParams", "FixedLIF", "FixedSynapses", "FloatLIF", "FloatSynapses", "Trace",
           "simulate_fixed", "simulate_float", "simulate_rate", "EIRateNetwork", "EILIFNetwork",
           "convert_rate_to_lif_params", "float_to_fixed", "fixed_to_float", "__version__"]
