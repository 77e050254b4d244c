"""Loihi integer semantics: bit widths, weight preparation and numba kernels.

Nothing in this package imports Lava; the reference for every rule is Lava 0.10's
``PyLifModelBitAcc`` (lava/proc/lif/models.py), ``PyDenseModelBitAcc``
(lava/proc/dense/models.py) and ``lava.utils.weightutils``.
"""
