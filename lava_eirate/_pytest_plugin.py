"""pytest plugin (entry point ``pytest11``): the ``golden`` fixture and ``--update-golden``.

    def test_my_network(golden):
        trace = le.simulate_fixed(neurons, synapses, 500)
        golden.check(trace, params={"seed": 3})

Golden files live in ``golden/`` beside the test file, one per test (or per ``name=``).
Without ``--update-golden`` a missing file fails the test with instructions; with it,
the trace is (re)recorded and the test passes.
"""
from __future__ import annotations

import hashlib
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
        """``golden/<module>/<name>.npz``; a name with characters other than letters,
        digits, ``_.-`` gets them replaced and a short hash of the exact name appended, so
        that two test ids never share a file ("a b" and "a_b" do not)."""
        raw = name or self._request.node.name
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", raw)
        if stem != raw:
            stem += "-" + hashlib.sha1(raw.encode()).hexdigest()[:8]
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
        if params is not None:
            changed = G.compare_params(expected.params, params)
            if changed:
                pytest.fail(f"{path}: recorded with other parameters -- {changed}; re-record with "
                            f"--update-golden if the change is intended", pytrace=False)
        diff = G.compare(expected.trace, trace)
        if diff is not None:
            pytest.fail(f"{path}: not bit-exact with the golden trace: {diff}", pytrace=False)


@pytest.fixture
def golden(request):
    """Bit-exact regression checks of lava_eirate traces against recorded golden files."""
    return GoldenFixture(request)
