"""Commands beside a running ``mag-graph serve``: the server's mark and what a command
does when the store is locked by it.

``mag-graph serve`` writes a mark beside the store, ``.<store>-server.json`` with its URL
and process id, and removes it when it stops (a mark of a process that no longer exists
is ignored). When a command finds the store locked:

* a reading command (``stats``, ``query``, ``export``, ``matrix``, ``ask``, ``validate``,
  ``search``, ``history``, ``reason`` without ``--materialise``) reads a view of the
  server's newest snapshot (:func:`mag_graph.sparql.views.open_view`): the whole store as
  it was after the server's last write, so every write the server acknowledged before
  the command started; a note on stderr says so, the answer on stdout is as on a closed
  store;
* a writing command (``init``, ``load``, ``import``, ``pull``, ``matrix import
  --into-cms``, ``workflow``, ``reindex``, ``reason --materialise``) changes nothing and
  ends with exit code 2 and a message that names the server and says how to write:
  through its API, or after stopping it.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import click

from mag_graph.sparql.views import open_view
from mag_graph.store import Store


def mark_path(store: str | os.PathLike[str]) -> Path:
    path = Path(store)
    return path.parent / f".{path.name}-server.json"


def write_mark(store: str | os.PathLike[str], url: str) -> Path:
    """Tell commands that a server on ``url`` has ``store`` open (written atomically)."""
    mark = mark_path(store)
    temporary = mark.with_name(mark.name + f".{os.getpid()}")
    temporary.write_text(json.dumps({"url": url, "pid": os.getpid(), "store": str(store)}), encoding="utf-8")
    os.replace(temporary, mark)
    return mark


def remove_mark(store: str | os.PathLike[str]) -> None:
    """Remove the mark, if it is this process's."""
    server = running_server(store)
    if server is not None and server.get("pid") == os.getpid():
        with contextlib.suppress(OSError):
            mark_path(store).unlink()


def running_server(store: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The mark of the server that has ``store`` open (``url``, ``pid``), or ``None``."""
    try:
        mark = json.loads(mark_path(store).read_text(encoding="utf-8"))
        pid = int(mark["pid"])
        os.kill(pid, 0)
    except PermissionError:
        return mark  # alive, another user's process
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return mark if isinstance(mark, dict) else None


def _where(store: str, server: dict[str, Any] | None) -> tuple[str, str]:
    if server is None:
        return (f"de store in {store} is open in een ander proces",
                f"the store at {store} is open in another process")
    return (f"de store in {store} is open in de server op {server.get('url')} (proces {server.get('pid')})",
            f"the store at {store} is open in the server at {server.get('url')} (process {server.get('pid')})")


def locked_for_writing(store: str) -> str:
    """The message of a writing command on a locked store."""
    server = running_server(store)
    nl, en = _where(store, server)
    if server is None:
        return (f"{nl}; er is niets veranderd: wacht tot dat klaar is en probeer het opnieuw / "
                f"{en}; nothing was changed: wait until it ends and try again")
    return (f"{nl}; er is niets veranderd. Schrijf via de server (API {server.get('url')}api/v1 met een "
            "redacteur-account, of /graph-store en SPARQL Update op /sparql als beheerder), of stop de server "
            f"en voer het commando opnieuw uit / {en}; nothing was changed. Write through the server (the API at "
            f"{server.get('url')}api/v1 as an editor, or /graph-store and SPARQL Update at /sparql as an admin), "
            "or stop the server and run the command again")


def view_beside_server(store: str) -> Store | None:
    """A read-only view of a store a server has open (see the module docstring), with a
    note on stderr; ``None`` when there is no running server or it keeps no snapshots."""
    server = running_server(store)
    if server is None:
        return None
    view = open_view(store)
    if view is None:
        return None
    click.echo(
        f"let op: de server op {server.get('url')} heeft deze store open; gelezen: de stand na zijn laatste "
        f"schrijfactie / note: the server at {server.get('url')} has this store open; read: the state after "
        "its last write",
        err=True,
    )
    return view


def locked_for_reading(store: str) -> str:
    """The message of a reading command when no view can be made."""
    server = running_server(store)
    nl, en = _where(store, server)
    if server is None:
        return (f"{nl} en er draait geen server die er een leesbare kopie van bijhoudt: wacht tot dat klaar is / "
                f"{en} and no server keeps a readable copy of it: wait until it ends")
    return (f"{nl} zonder queryprocessen (--workers 0), dus zonder leesbare kopie: lees via {server.get('url')}sparql "
            f"of start de server met queryprocessen / {en} without query processes (--workers 0), so without a "
            f"readable copy: read through {server.get('url')}sparql or start the server with query processes")
