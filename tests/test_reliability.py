"""Issue #13: bad or extreme input at the public boundary is refused with a clear
exception -- never a crash, out-of-bounds write, silent coercion or NaN."""
import numpy as np
import pytest
import scipy.sparse as sp

import lava_eirate as le
from lava_eirate import ratemodels


def malformed():
    """scipy accepts these raw index arrays without checking them."""
    big_row = sp.csc_matrix(([5.0], [10 ** 7], [0, 1, 1]), shape=(2, 2))
    row_7 = sp.csc_matrix(([5.0], [7], [0, 1, 1]), shape=(2, 2))
    bad_ptr = sp.csr_matrix(([5.0, 6.0], [0, 1], [0, 2, 1]), shape=(2, 2))
    coo = sp.coo_matrix(([1.0], ([0], [1])), shape=(2, 2))
    coo.row[0] = 9
    return [big_row, row_7, bad_ptr, coo]


@pytest.mark.parametrize("k", range(4))
def test_malformed_sparse_matrices_are_refused_everywhere(k):
    m = malformed()[k]
    with pytest.raises(ValueError, match="weights is a malformed scipy.sparse"):
        le.FixedSynapses(m)
    with pytest.raises(ValueError, match="weights is a malformed scipy.sparse"):
        le.FloatSynapses(m)
    with pytest.raises(ValueError, match="weights is a malformed scipy.sparse"):
        le.simulate_float(le.FloatLIF(2, 0.1, 0.1, 1.0), m, 5)
    with pytest.raises(ValueError, match="data is a malformed scipy.sparse"):
        le.SpikeSource(m)
    with pytest.raises(ValueError, match="a_in is a malformed scipy.sparse"):
        le.simulate_fixed(le.FixedLIF(2, 0, 0, 10), None, 2, a_in=m)
    with pytest.raises(ValueError, match="weights is a malformed scipy.sparse"):
        ratemodels.simulate(ratemodels.RectifiedSAM(tau=10.0), m, 5, np.random.default_rng(0))
    net = le.Network()
    p = net.add(le.FixedLIF(2, 0, 0, 10), name="p")
    with pytest.raises(ValueError, match="delays is a malformed scipy.sparse"):
        net.connect(p, p, le.FixedSynapses(np.ones((2, 2), int)), delays=m)
