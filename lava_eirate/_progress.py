"""A dependency-free progress bar for long runs (stderr, only when asked or interactive)."""
from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress(total, "simulate") as p: p.update(k)``; silent when disabled."""

    def __init__(self, total: int, label: str, enabled: bool | None = None, stream=None):
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.done = 0
        self._t0 = time.perf_counter()
        self._last = 0.0

    def __enter__(self):
        return self

    def update(self, k: int) -> None:
        self.done += int(k)
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        frac = min(self.done / self.total, 1.0)
        width = 30
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        elapsed = now - self._t0
        eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total} "
                          f"{elapsed:6.1f}s elapsed, {eta:6.1f}s left")
        self.stream.flush()

    def __exit__(self, *exc):
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()
        return False
