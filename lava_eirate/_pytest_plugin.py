"""pytest plugin (entry point ``pytest11``): the ``golden`` fixture and ``--update-golden``.

    def test_my_network(golden):
        trace = le.simulate_fixed(neurons, synapses, 500)
        golden.check(trace, params={"seed": 3})

Golden files live in ``golden/`` beside the test file, one per test (or per ``name=``).
Without ``--update-golden`` a missing file fails the test with instructions; with it,
the trace is (re)recorded and the test passes.
"""
from __future__ import annotations

import os
import re

import pytest

from . import golden as G


def pytest_addoption(parser):
    group = parser.getgroup("lava_eirate")
    group.addoption("--update-golden", action="store_true", default=False,
                    help="record lava_eirate golden traces instead of checking them")


class GoldenFixture:
    """Checks traces against golden files beside the test module."""

    def __init__(self, request):
        self._request = request
        self.update = request.config.getoption("--update-golden")
        self.folder = os.path.join(os.path.dirname(str(request.node.fspath)), "golden")
        self.recorded = []

    def path(self, name: str | None = None) -> str:
        stem = name or re.sub(r"[^A-Za-z0-9_.-]+", "_", self._request.node.name)
        module = os.path.splitext(os.path.basename(str(self._request.node.fspath)))[0]
        return os.path.join(self.folder, module, stem + ".npz")

    def check(self, trace, name: str | None = None, params: dict | None = None, meta: dict | None = None):
        """Assert ``trace`` equals its golden file bit for bit (record it with --update-golden)."""
        path = self.path(name)
        if self.update:
            G.record(path, trace, params=params, meta=meta)
            self.recorded.append(path)
            return
        if not os.path.exists(path):
            pytest.fail(f"no golden trace at {path}; run pytest with --update-golden to record it",
                        pytrace=False)
        expected = G.load(path)
        diff = G.compare(expected.trace, trace)
        if diff is not None:
            pytest.fail(f"{path}: not bit-exact with the golden trace: {diff}", pytrace=False)


@pytest.fixture
def golden(request):
    """Bit-exact regression checks of lava_eirate traces against recorded golden files."""
    return GoldenFixture(request)
