"""Run one command in a child process and measure its wall time, CPU time and peak resident memory.

Linux carries a process's RSS high-water mark into its child's ru_maxrss across fork + exec, so measuring a
child straight from a benchmark that has already simulated gigabytes would report the benchmark's own peak.
The command therefore runs under a tiny launcher interpreter (~10 MB), whose wait4 usage is the command's own.
ai4c's modules are compiled to bytecode before the first measured run, as an installed package's are.
"""

from __future__ import annotations

import compileall
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

LAUNCHER = """
import json, resource, subprocess, sys, time
started = time.time()
code = subprocess.run(sys.argv[2:]).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    json.dump([usage.ru_utime + usage.ru_stime, usage.ru_maxrss, started], f)
sys.exit(code)
"""


@dataclass(frozen=True)
class Measured:
    """What one measured run took, and what it printed."""

    wall: float
    cpu: float
    peak_mb: float
    stdout: str
    started: float = 0.0  # wall-clock time (time.time()) just before the command's process was started

    @property
    def peak_gb(self) -> float:
        """Peak resident memory in GB (2**30 bytes)."""
        return self.peak_mb / 1024


@functools.cache
def compile_bytecode() -> None:
    """Compile ai4c's modules to bytecode once, as `pip install` does: where PYTHONDONTWRITEBYTECODE is set
    (this development machine) every measured run would otherwise compile its modules from source, ~0.1-0.2 s
    of each run that no installed copy pays (the peers' tools are compiled too)."""
    compileall.compile_dir(str(SRC / "ai4c"), quiet=1)


def measured(cmd: list[str], env: dict[str, str] | None = None, input: str | None = None) -> Measured:
    """Run `cmd` (with ai4c's src, compiled, on PYTHONPATH and `env` added); raise RuntimeError with its
    stderr's end on failure."""
    compile_bytecode()
    full_env = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    with tempfile.TemporaryDirectory(prefix="ai4c-bench-") as scratch:
        stats = Path(scratch) / "usage.json"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", LAUNCHER, str(stats), *cmd], env=full_env, input=input,
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-600:]}")
        cpu, peak_kb, started = json.loads(stats.read_text())
    return Measured(wall=wall, cpu=cpu, peak_mb=peak_kb / 1024, stdout=done.stdout, started=started)


def measured_python(code: str, *args: str, env: dict[str, str] | None = None) -> Measured:
    """Run a Python snippet (`sys.argv[1:]` = args) in a fresh interpreter and measure it."""
    return measured([sys.executable, "-c", code, *args], env)
