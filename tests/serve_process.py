"""``mag-graph serve`` as a real subprocess, for the tests that need the command itself
(its start-up output, its process tree, its proxy wiring, a second machine, a kill).

Tests that only need a server use conftest's ``serving``/``served`` (in-process waitress).
Imported by name: conftest puts this folder on ``sys.path``.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCRIPT = Path(sys.executable).with_name("mag-graph")
_LISTENING = re.compile(r"serving on (http://([0-9.]+):([0-9]+))/")
# Variables of the test run that must not reach the server unless a test asks for them.
_PRIVATE = ("MAG_GRAPH_STORE", "MAG_GRAPH_CRASH_AT")


@dataclass
class ServeProcess:
    """A running ``mag-graph serve``: its process, where it listens, and everything it printed
    (kept being read, so the pipe never fills)."""

    process: subprocess.Popen[str]
    url: str
    host: str
    port: int
    output: list[str] = field(default_factory=list)

    def stop(self, timeout: float = 30) -> None:
        stop(self.process, timeout)


def _drain(stream: Any, lines: queue.Queue[str], keep: list[str]) -> None:
    for line in stream:
        keep.append(line)
        lines.put(line)


def start(store: str | Path, *extra: str, env: dict[str, str] | None = None, within: float = 180,
          host: str | None = "127.0.0.1") -> ServeProcess:
    """``mag-graph serve --port 0`` on ``store`` (a path or a store URL), once it says where
    it listens; ``env`` is added to the environment; ``host=None`` leaves ``--host`` out."""
    environment = {k: v for k, v in os.environ.items() if k not in _PRIVATE}
    environment.update(env or {})
    command = [str(SCRIPT), "serve", "--store", str(store), *(["--host", host] if host else []),
               "--port", "0", *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []
    threading.Thread(target=_drain, args=(process.stdout, lines, output), daemon=True).start()
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        match = _LISTENING.search(line)
        if match:
            return ServeProcess(process, match.group(1), match.group(2), int(match.group(3)), output)
    process.kill()
    process.wait()
    raise RuntimeError("mag-graph serve did not start:\n" + "".join(output))


def stop(process: subprocess.Popen[str], timeout: float = 30) -> None:
    """SIGTERM (serve stops cleanly on it), then SIGKILL after ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
