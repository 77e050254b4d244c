"""Run inside the Norse peer venv (Python 3.11, CPU torch; ``make peer-norse``): build a
two-layer network in Norse, simulate it with Norse, and write it with Norse's own NIR
writer.

    python norse_export.py OUT_DIR [SEED]

Writes ``OUT_DIR/norse.nir`` (``norse.torch.to_nir``) and ``OUT_DIR/norse_trace.npz``:
``x`` the input (T, 12), ``s1``/``v1`` and ``s2``/``v2`` the two layers' spikes and
voltages as Norse computes them (float32), ``dt``.
"""
import os
import sys

import numpy as np
import torch
import norse.torch as nt
import nir

out_dir = sys.argv[1]
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
torch.manual_seed(seed)
rng = np.random.default_rng(seed)
dt, T = 1e-3, 300
n_in, n1, n2 = 12, 16, 6
x = torch.tensor((rng.random((T, n_in)) < 0.15).astype(np.float32))
def box(n, tau_mem_inv, v_th):
    """Norse's writer wants every parameter with the layer's shape."""
    f = lambda a: torch.tensor(np.broadcast_to(a, (n,)).copy(), dtype=torch.float32)  # noqa: E731
    return nt.LIFBoxCell(p=nt.LIFBoxParameters(tau_mem_inv=f(tau_mem_inv), v_th=f(v_th), v_leak=f(0.0),
                                               v_reset=f(0.0)), dt=dt)


model = nt.SequentialState(
    torch.nn.Linear(n_in, n1, bias=False),
    box(n1, rng.uniform(50, 150, n1), 0.25),
    torch.nn.Linear(n1, n2, bias=False),
    box(n2, 80.0, 0.2),
)
with torch.no_grad():
    model[0].weight.copy_(torch.tensor(rng.uniform(0.0, 0.8, (n1, n_in)), dtype=torch.float32))
    model[2].weight.copy_(torch.tensor(rng.uniform(-0.6, 1.2, (n2, n1)), dtype=torch.float32))
# step by step, reading each layer's spikes and voltage
s1, v1, s2, v2 = [], [], [], []
state = [None, None]
with torch.no_grad():
    for t in range(T):
        h = model[0](x[t])
        z1, state[0] = model[1](h, state[0])
        z2, state[1] = model[3](model[2](z1), state[1])
        s1.append(z1.numpy().copy()); v1.append(state[0].v.numpy().copy())
        s2.append(z2.numpy().copy()); v2.append(state[1].v.numpy().copy())
# Norse 1.1.0 writes tau = (its dt argument) / tau_mem_inv: with 1 the time constants are in s
graph = nt.to_nir(model, x[0], dt=1.0)
os.makedirs(out_dir, exist_ok=True)
nir.write(os.path.join(out_dir, "norse.nir"), graph)
np.savez(os.path.join(out_dir, "norse_trace.npz"), x=x.numpy(), s1=np.array(s1), v1=np.array(v1),
         s2=np.array(s2), v2=np.array(v2), dt=dt)
print("wrote", out_dir, "spikes", int(np.sum(s1)), int(np.sum(s2)))
