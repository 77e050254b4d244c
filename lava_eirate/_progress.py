"""Progress bars for long runs (tqdm on stderr, only when asked or on an interactive stderr)."""
from __future__ import annotations

import sys


class Progress:
    """``with Progress(total, "simulate") as p: p.update(k)``; silent when disabled.

    ``enabled=None`` shows the bar only when stderr is a terminal. The tqdm bar is made on
    the first update, so a caller may still switch ``enabled`` off before that.
    """

    def __init__(self, total: int, label: str, enabled: bool | None = None, stream=None):
        self.total = max(int(total), 1)
        self.label = label
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.done = 0
        self._bar = None

    def __enter__(self):
        return self

    def update(self, k: int) -> None:
        self.done += int(k)
        if not self.enabled:
            return
        if self._bar is None:
            from tqdm import tqdm
            if not hasattr(tqdm, "_lock"):
                # tqdm's default lock is a multiprocessing RLock, which fixes the start
                # method; Lava's import then fails setting it to 'fork'. A thread lock will do.
                import threading
                tqdm.set_lock(threading.RLock())
            self._bar = tqdm(total=self.total, desc=self.label, file=self.stream, mininterval=0.1,
                             dynamic_ncols=True, leave=True)
            self._bar.update(self.done - int(k))
        self._bar.update(int(k))

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.close()
        return False
