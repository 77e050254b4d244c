"""RateNeurons: graded rate neurons (the rules of :class:`lava_eirate.FixedRate`) as a
small Lava Process, to be wired with Lava's own ``Dense(num_message_bits=...)``."""
from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var

from lava_eirate.params import FixedRate


class RateNeurons(AbstractProcess):
    """``n`` FixedRate neurons: InPort ``a_in`` (int32 input, state units), OutPort
    ``s_out`` (the graded payload), Var ``state`` (24-bit). Parameters as
    :class:`lava_eirate.FixedRate` (validated there). Model: ``fixed_pt``."""

    _runtime = None

    def __init__(self, n, dr, bias_mant=0, bias_exp=0, *, table, table_shift=0, state=0, name=None,
                 log_config=None):
        pop = FixedRate(n, dr, bias_mant, bias_exp, table=table, table_shift=table_shift)
        keep, bias_eff = pop.engine_arrays()[1:3]
        super().__init__(shape=(pop.n,), keep=keep, bias_eff=bias_eff, table=pop.table,
                         table_shift=pop.table_shift, name=name, log_config=log_config)
        self.state = Var(shape=(pop.n,), init=np.broadcast_to(np.asarray(state, np.int64), (pop.n,)).astype(np.int32))
        self.a_in = InPort(shape=(pop.n,))
        self.s_out = OutPort(shape=(pop.n,))
