"""A real ``mag-graph serve`` process for the robustness tests (crash recovery, mixed
load): started on 127.0.0.1 with ``--port 0``, killed with SIGKILL or stopped, and the
faces a user sees (anonymous SPARQL, the CMS API, the resource page, search, history)
read over real HTTP.

Used by ``benchmarks/crash_trials.py`` and ``benchmarks/mixed_load.py`` and by the tests
that run a few of their trials (``tests/test_crash_recovery.py``, ``tests/test_mixed_load.py``).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mag_graph.access.auth import AuthRegistry
from mag_graph.store import Store
from mag_graph.store.bootstrap import initialise

SCRIPT = Path(sys.executable).with_name("mag-graph")
PASSWORD = "herstel-wachtwoord-14"
USERS = {"beheerder": "admin", "redacteur": "editor", "vaststeller": "reviewer"}
MERGE = "application/merge-patch+json"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@dataclass
class Reply:
    status: int
    headers: Any
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


@dataclass
class Served:
    """One running ``mag-graph serve`` process."""

    host: str
    port: int
    store: Path
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, body: bytes | str | None = None, *, user: str | None = None,
             headers: dict[str, str] | None = None, timeout: float = 60) -> Reply:
        sent = dict(headers or {})
        if user is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            data = body.encode("utf-8") if isinstance(body, str) else body
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            conn.close()

    def sparql(self, query: str, *, user: str | None = None, timeout: float = 60) -> Reply:
        return self.call("GET", "/sparql?" + urllib.parse.urlencode({"query": query}), user=user,
                         headers={"Accept": "application/sparql-results+json"}, timeout=timeout)

    def patch_label(self, path: str, label: str, *, user: str = "vaststeller", timeout: float = 60) -> Reply:
        """A merge patch of one resource's Dutch label, with the ETag just read."""
        current = self.call("GET", path, user=user, timeout=timeout)
        if current.status != 200:
            return current
        body = json.dumps({"label": {"nl": label}})
        return self.call("PATCH", path, body, user=user, timeout=timeout,
                         headers={"Content-Type": MERGE, "If-Match": current.header("ETag") or ""})

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        try:
            self.process.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _drain(stream: Any, lines: queue.Queue[str], keep: list[str]) -> None:
    for line in stream:
        keep.append(line)
        lines.put(line)


def start(store: Path, *extra: str, env: dict[str, str] | None = None) -> Served:
    """``mag-graph serve --port 0`` on ``store``, once it says where it listens."""
    environment = {k: v for k, v in os.environ.items() if k not in ("MAG_GRAPH_STORE", "MAG_GRAPH_CRASH_AT")}
    environment.update(env or {})
    command = [str(SCRIPT), "serve", "--store", str(store), "--host", "127.0.0.1", "--port", "0", *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []
    threading.Thread(target=_drain, args=(process.stdout, lines, output), daemon=True).start()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        match = re.search(r"serving on http://([0-9.]+):([0-9]+)/", line)
        if match:
            return Served(match.group(1), int(match.group(2)), store, process, output)
    process.kill()
    process.wait()
    raise RuntimeError("mag-graph serve did not start:\n" + "".join(output))


def make_store(path: Path) -> Path:
    """An on-disk store with the example data and the users of :data:`USERS`, closed."""
    store = Store.open(path, create=True)
    try:
        initialise(store)
    finally:
        store.close()
    return add_users(path)


def add_users(path: Path) -> Path:
    """The users of :data:`USERS` added to the closed store at ``path``; ``path`` again."""
    with AuthRegistry.for_store(path) as auth:
        for name, role in USERS.items():
            auth.add_user(name, PASSWORD, role)
    return path


def copy_store(template: Path, target_dir: Path) -> Path:
    """A copy of a closed store and everything beside it (credentials, search index)."""
    shutil.copytree(template.parent, target_dir, dirs_exist_ok=True)
    return target_dir / template.name


def public_label(served: Served, iri: str) -> set[str]:
    """The Dutch labels anonymous SPARQL gives ``iri``."""
    query = f'SELECT ?l WHERE {{ <{iri}> <{RDFS_LABEL}> ?l FILTER(LANG(?l) = "nl") }}'
    reply = served.sparql(query)
    assert reply.status == 200, reply.body[:300]
    return {b["l"]["value"] for b in reply.json()["results"]["bindings"]}
