"""Bad input raises ValueError at the boundary, naming parameter, value (index) and range."""
import numpy as np
import pytest
import scipy.sparse as sp

import lava_eirate as le


@pytest.mark.parametrize("name, value, message", [
    ("du", 4096, r"du = 4096 is out of range \[0, 4095\]"),
    ("du", -1, r"du = -1 is out of range \[0, 4095\]"),
    ("dv", 5000, r"dv = 5000 is out of range \[0, 4095\]"),
    ("vth", 2 ** 17, r"vth = 131072 is out of range \[0, 131071\]"),
    ("vth", -1, r"vth = -1 is out of range"),
    ("bias_mant", 4096, r"bias_mant = 4096 is out of range \[-4096, 4095\]"),
    ("bias_mant", -4097, r"bias_mant = -4097 is out of range"),
    ("bias_exp", 8, r"bias_exp = 8 is out of range \[0, 7\]"),
    ("bias_exp", -1, r"bias_exp = -1 is out of range \[0, 7\]"),
    ("du", 1.5, r"du = 1.5 is not an integer; legal range is integers in \[0, 4095\]"),
    ("vth", np.nan, r"vth = nan is not finite"),
    ("dv", "fast", r"dv must be numeric"),
])
def test_fixed_lif_scalar_out_of_range(name, value, message):
    kwargs = dict(n=4, du=10, dv=10, vth=100, bias_mant=0, bias_exp=0)
    kwargs[name] = value
    with pytest.raises(ValueError, match=message):
        le.FixedLIF(**kwargs)


def test_fixed_lif_array_error_names_index():
    bias = np.zeros(6, int)
    bias[4] = 9999
    with pytest.raises(ValueError, match=r"bias_mant\[4\] = 9999 is out of range \[-4096, 4095\]"):
        le.FixedLIF(6, 0, 0, 10, bias)


def test_fixed_lif_wrong_shape():
    with pytest.raises(ValueError, match=r"du has shape \(3,\); expected a scalar or shape \(5,\)"):
        le.FixedLIF(5, du=[1, 2, 3], dv=0, vth=1)


def test_fixed_lif_validates_on_assignment():
    neurons = le.FixedLIF(3, 0, 0, 10)
    with pytest.raises(ValueError, match=r"dv = 4096 is out of range"):
        neurons.dv = 4096
    neurons.dv = [1, 2, 3]
    assert neurons.dv.tolist() == [1, 2, 3]


@pytest.mark.parametrize("n", [0, -3, 2.5, "10"])
def test_bad_n(n):
    with pytest.raises(ValueError, match="n="):
        le.FixedLIF(n, 0, 0, 1)


def test_integral_floats_are_accepted():
    neurons = le.FixedLIF(2, du=100.0, dv=np.array([1.0, 2.0]), vth=10.0)
    assert neurons.du.dtype == np.int64 and neurons.dv.tolist() == [1, 2]


@pytest.mark.parametrize("kwargs, message", [
    (dict(weight_exp=8), r"weight_exp = 8 is out of range \[-8, 7\]"),
    (dict(weight_exp=-9), r"weight_exp = -9 is out of range \[-8, 7\]"),
    (dict(num_weight_bits=0), r"num_weight_bits = 0 is out of range \[1, 8\]"),
    (dict(num_weight_bits=9), r"num_weight_bits = 9 is out of range \[1, 8\]"),
    (dict(sign_mode="positive"), r"sign_mode='positive' is not legal"),
    (dict(sign_mode=0), r"sign_mode=0 is not legal"),
])
def test_synapse_scalars(kwargs, message):
    with pytest.raises(ValueError, match=message):
        le.FixedSynapses(np.ones((3, 3), int), **kwargs)


def test_weight_out_of_range_names_index_and_sign_mode():
    w = np.zeros((4, 4), int)
    w[2, 1] = 256
    with pytest.raises(ValueError, match=r"weights\[2, 1\] = 256 is out of range \[0, 255\] for sign_mode=EXCITATORY"):
        le.FixedSynapses(w)
    w[0, 3] = -1
    with pytest.raises(ValueError, match=r"weights\[2, 1\] = 256 is out of range \[-256, 255\] for sign_mode=MIXED"):
        le.FixedSynapses(w)
    with pytest.raises(ValueError, match=r"weights\[0, 3\] = -1 is out of range \[0, 255\]"):
        le.FixedSynapses(np.clip(w, -5, 255), sign_mode="excitatory")
    w = -np.eye(3, dtype=int) * 256
    with pytest.raises(ValueError, match=r"weights\[0, 0\] = -256 is out of range \[-255, 0\] for sign_mode=INHIBITORY"):
        le.FixedSynapses(w)
    sparse = sp.csr_matrix(np.array([[0, 0], [300, 0]]))
    with pytest.raises(ValueError, match=r"weights\[1, 0\] = 300 is out of range"):
        le.FixedSynapses(sparse)


def test_weights_bad_values_and_shapes():
    with pytest.raises(ValueError, match=r"non-integer value\(s\) \(e.g. 0.5\)"):
        le.FixedSynapses(np.array([[0.5, 1.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="non-finite"):
        le.FixedSynapses(np.array([[np.nan, 1.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="2-D matrix"):
        le.FixedSynapses(np.ones(4))
    syn = le.FixedSynapses(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"synapses have shape \(3, 3\); expected \(4, 4\)"):
        le.simulate_fixed(le.FixedLIF(4, 0, 0, 1), syn, 5)
    with pytest.raises(AttributeError, match="num_weight_bits is fixed"):
        syn.num_weight_bits = 4
    with pytest.raises(ValueError, match="weight_exp = 9"):
        syn.weight_exp = 9


def test_lava_compat_reports_what_lava_would_change_silently():
    w = np.array([[300.7, -2.0], [0.2, 5.0]])
    syn = le.FixedSynapses(w, lava_compat=True)
    assert syn.sign_mode is le.SignMode.MIXED
    assert syn.num_cast == 2 and syn.num_clipped == 1
    assert syn.effective_weights().tolist() == [[254, -2], [0, 4]]
    assert syn.num_truncated == 2  # 255 (clipped) -> 254 and 5 -> 4: MIXED drops a bit at 8 bits


def test_simulate_fixed_bad_arguments():
    neurons = le.FixedLIF(3, 0, 0, 1)
    with pytest.raises(ValueError, match=r"a_in has shape \(4, 3\); expected \(num_steps, n\) = \(5, 3\)"):
        le.simulate_fixed(neurons, None, 5, a_in=np.zeros((4, 3), int))
    with pytest.raises(ValueError, match=r"a_in\[1, 2\] = 2147483648 is out of range \[-2147483648, 2147483647\]"):
        a = np.zeros((2, 3), np.int64)
        a[1, 2] = 2 ** 31
        le.simulate_fixed(neurons, None, 2, a_in=a)
    with pytest.raises(ValueError, match=r"a_in\[0, 0\] = 0.5 is not an integer"):
        le.simulate_fixed(neurons, None, 1, a_in=np.full((1, 3), 0.5))
    with pytest.raises(ValueError, match=r"u0 = 8388608 is out of range \[-8388607, 8388607\]"):
        le.simulate_fixed(neurons, None, 2, u0=2 ** 23)
    with pytest.raises(ValueError, match=r"v0\[1\] = -8388608 is out of range"):
        le.simulate_fixed(neurons, None, 2, v0=[0, -(2 ** 23), 0])
    with pytest.raises(ValueError, match="num_steps=0 is out of range"):
        le.simulate_fixed(neurons, None, 0)
    with pytest.raises(ValueError, match=r"record=\('s', 'w'\) contains \['w'\]"):
        le.simulate_fixed(neurons, None, 2, record=("s", "w"))
    with pytest.raises(TypeError, match="neurons must be a FixedLIF"):
        le.simulate_fixed(le.FloatLIF(3, 0.1, 0.1, 1.0), None, 2)


def test_float_lif_validation():
    with pytest.raises(ValueError, match=r"du = 1.5 is out of range \[0.0, 1.0\]"):
        le.FloatLIF(3, 1.5, 0.1, 1.0)
    with pytest.raises(ValueError, match=r"bias\[2\] = inf is not finite"):
        le.FloatLIF(3, 0.1, 0.1, 1.0, bias=[0, 0, np.inf])
    with pytest.raises(ValueError, match=r"weights contain 1 non-finite"):
        le.simulate_float(le.FloatLIF(2, 0.1, 0.1, 1.0), np.array([[0, np.nan], [0, 0]]), 3)
