"""Every Loihi bit width and legal range used by lava_eirate, in one place.

Source: Lava 0.10 ``AbstractPyLifModelFixed`` / ``PyLifModelBitAcc`` (precisions of
du, dv, vth, bias_mant, bias_exp; 24-bit u and v; 12-bit decay alignment; 6-bit
alignment of threshold and input) and ``lava.utils.weightutils`` (8-bit weight
mantissas with a sign mode).
"""

UV_BITS = 24
#: ``M = 2**23``: u wraps once by ``2**24`` above ``M`` / at or below ``-M``.
UV_HALF = 2 ** (UV_BITS - 1)
#: v is clipped to ``[V_MIN, V_MAX]``.
V_MIN = -(UV_HALF - 1)
V_MAX = UV_HALF - 1

DECAY_SHIFT = 12
DECAY_UNITY = 2 ** DECAY_SHIFT
#: Loihi adds 1 to du ("ds_offset"), so du=4095 clears u; dv has no offset.
DU_OFFSET = 1
DV_OFFSET = 0

#: vth and the synaptic input are MSB-aligned by 6 bits.
VTH_SHIFT = 6
ACT_SHIFT = 6

DU_RANGE = (0, 4095)
DV_RANGE = (0, 4095)
VTH_RANGE = (0, 2 ** 17 - 1)
BIAS_MANT_RANGE = (-4096, 4095)
BIAS_EXP_RANGE = (0, 7)
WEIGHT_EXP_RANGE = (-8, 7)
NUM_WEIGHT_BITS_RANGE = (1, 8)
UV_INIT_RANGE = (V_MIN, V_MAX)

#: Full-precision weight mantissa width (``max_num_weight_bits`` in Lava).
WEIGHT_BITS = 8
