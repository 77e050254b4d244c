"""Converters: rate network -> float LIF parameters -> Loihi fixed-point parameters."""
from .fidelity import Fidelity, ensemble_fidelity
from .float_to_fixed import QuantizationReport, fixed_to_float, float_to_fixed
from .tutorial_fixed import tutorial_float_to_fixed
from .network_fixed import NetworkQuantizationReport, ei_float_network, float_to_fixed_network
from .rate_to_lif import LIFParams, convert_rate_to_lif_params
from .rate_fixed import RateQuantizationReport, rate_to_fixed

__all__ = ["convert_rate_to_lif_params", "LIFParams", "float_to_fixed", "fixed_to_float",
           "QuantizationReport", "ensemble_fidelity", "Fidelity",
           "tutorial_float_to_fixed", "float_to_fixed_network", "ei_float_network",
           "NetworkQuantizationReport", "rate_to_fixed", "RateQuantizationReport"]
