"""Test-only crash points: ``MAG_GRAPH_CRASH_AT=<step>``, in the CMS write pipeline and
in imports.

The crash-recovery tests (``tests/test_crash_recovery.py``) start a real server with
this environment variable set and make one CMS write; when the write reaches the named
step the process kills itself with SIGKILL (no ``finally`` block, no flush, no atexit:
exactly what ``kill -9`` or a power cut does to the process). The restarted server must
then show the whole write or nothing.

The steps, in the order a write passes them (see :mod:`mag_graph.cms.pipeline`):

``recorded``
    the pending revision (the write-ahead record) and the change are in the store,
    nothing validated yet;
``validated``
    the change passed validation, the revision is still pending;
``committing``
    inside the commit transaction that removes the pending flag, before it is applied;
``committed``
    the revision is committed, no listener (search index, query snapshots) told yet;
``notifying``
    the first listener (the search index) has run, the others have not.

And in an import (:func:`mag_graph.opendata.common.commit_import`; ``tests/test_unfinished_loads.py``):

``import``
    the import's marker is written and its transaction staged, not committed.

And in a write to a remote store that takes several requests (:mod:`.remote`,
:mod:`.remote_transaction`; ``tests/test_remote_generation.py``):

``remote-write``
    the write's requests are sent and its "unfinished" mark set, the mark not yet removed.

Kept in the store layer (the lowest that both the CMS and the importers use).

Unset (the normal case) or set to anything else, :func:`crash_point` does nothing but
read one environment variable.
"""

from __future__ import annotations

import os
import signal

__all__ = ["CRASH_ENV", "IMPORT_STEP", "STEPS", "crash_point"]

CRASH_ENV = "MAG_GRAPH_CRASH_AT"
STEPS = ("recorded", "validated", "committing", "committed", "notifying")  # the write pipeline's
IMPORT_STEP = "import"


def crash_point(step: str) -> None:
    """Kill this process with SIGKILL when ``MAG_GRAPH_CRASH_AT`` names ``step``."""
    if os.environ.get(CRASH_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)
