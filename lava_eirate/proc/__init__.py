"""Lava Processes of lava_eirate, one folder per family (``process.py`` + ``models.py``).

Importing this package imports Lava (slow); ``import lava_eirate`` alone does not.
"""
from .._lava import prepare_lava_import

prepare_lava_import()

from .ei_lif.process import EILIFNetwork
from .ei_rate.process import EIRateNetwork
from .network.process import NetworkProcess

__all__ = ["EILIFNetwork", "EIRateNetwork", "NetworkProcess"]
