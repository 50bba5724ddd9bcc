"""Make the calling process die with its parent (Linux `prctl(PR_SET_PDEATHSIG, SIGKILL)`).

The file parser's processes must not outlive the run that started them: a SIGKILLed `regwatch run` would
otherwise leave its forkserver and worker (tens of MB each) running under PID 1, holding the dead run's pipes.
Importing this module arms the signal (it is the forkserver's preload); `die_with_parent()` arms it in a worker.
Elsewhere than Linux it does nothing (the run's process group is then the only way to end them).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when the thread that started it ends; exit now if it already has."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent == 1 or os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


if __name__ != "__main__":
    die_with_parent()
