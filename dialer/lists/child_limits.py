"""The limits an import child works under: address space and CPU time for one job.

The import pool's process is reused across jobs, so each job lowers the soft limits for
its own run and restores them after: memory as `RLIMIT_AS` (the process's size at the
start plus the job's allowance: past it an allocation fails with MemoryError), CPU as
`RLIMIT_CPU` (the CPU used so far plus the job's allowance: past it the kernel sends
SIGXCPU, which raises `ImportTimeLimit` in the job). The hard limits are left alone.
"""

from __future__ import annotations

import contextlib
import resource
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType


class ImportTimeLimit(Exception):
    """The import used up its CPU time."""


def _address_space_now() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    return pages * resource.getpagesize()


def _cpu_seconds_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _on_xcpu(signum: int, frame: FrameType | None) -> None:
    raise ImportTimeLimit


@contextlib.contextmanager
def job_limits(memory_bytes: int, cpu_seconds: int) -> Iterator[None]:
    previous_as = resource.getrlimit(resource.RLIMIT_AS)
    previous_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    previous_handler = signal.signal(signal.SIGXCPU, _on_xcpu)
    memory_soft = _address_space_now() + memory_bytes
    cpu_soft = int(_cpu_seconds_used()) + cpu_seconds
    if previous_as[1] != resource.RLIM_INFINITY:
        memory_soft = min(memory_soft, previous_as[1])
    if previous_cpu[1] != resource.RLIM_INFINITY:
        cpu_soft = min(cpu_soft, previous_cpu[1])
    resource.setrlimit(resource.RLIMIT_AS, (memory_soft, previous_as[1]))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_soft, previous_cpu[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, previous_cpu)
        resource.setrlimit(resource.RLIMIT_AS, previous_as)
        signal.signal(signal.SIGXCPU, previous_handler)
