"""Crash recovery of CMS writes, with a real server process killed with SIGKILL.

* at each step of the write pipeline (``MAG_GRAPH_CRASH_AT``, see
  :mod:`mag_graph.store.crashpoints`): killed before the commit, the restarted server shows
  nothing of the write; killed after it, all of it; on every face (anonymous SPARQL, the
  CMS item, the resource page, search, history) and in the store itself (no pending
  revision left);
* at each step of a create, which writes into graphs that may not exist yet: killed
  before the commit, no trace is left, not even an empty graph;
* at random times among concurrent writes (a few trials here; ``python -m
  benchmarks.crash_trials`` runs 100): no acknowledged write lost, nothing half-written.

The trials themselves live in :mod:`benchmarks.crash_trials`, shared with that script.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from store_template import served_store

from benchmarks.crash_trials import create_step_trial, random_trial, step_trial
from mag_graph.store.crashpoints import STEPS

pytest.importorskip("waitress")

# Killed before the commit: nothing of the write; after it: all of it.
BEFORE_COMMIT = {"recorded", "validated", "committing"}
RANDOM_TRIALS = 3


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store every trial copies: as ``benchmarks.served.make_store`` makes it, from the
    test process's template, with its search index built once (not at each trial's start)."""
    return served_store(tmp_path_factory.mktemp("crash-template") / "store")


def test_every_step_has_a_crash_point() -> None:
    assert set(STEPS) == BEFORE_COMMIT | {"committed", "notifying"}


@pytest.mark.parametrize("step", STEPS)
def test_killed_at_each_step_the_write_is_whole_or_absent_on_every_face(template: Path, tmp_path: Path,
                                                                        step: str) -> None:
    outcome = step_trial(template, tmp_path / "copy", step)
    assert not outcome.acknowledged  # the process died before it could answer
    assert outcome.applied == (step not in BEFORE_COMMIT)
    assert outcome.problems == []


@pytest.mark.parametrize("step", STEPS)
def test_a_create_killed_at_each_step_is_whole_or_leaves_no_trace(template: Path, tmp_path: Path, step: str) -> None:
    """A create writes into graphs that may not exist yet (the draft graph, the history
    graph of a new store): undone at recovery, it leaves not even an empty graph in the
    store's list of graphs, in ``GRAPH ?g {}`` or in ``stats``."""
    outcome = create_step_trial(template, tmp_path / "copy", step)
    assert not outcome.acknowledged
    assert outcome.applied == (step not in BEFORE_COMMIT)
    assert outcome.problems == []


@pytest.mark.parametrize("trial", range(1, RANDOM_TRIALS + 1))
def test_killed_at_a_random_time_among_concurrent_writes_nothing_acknowledged_is_lost(
        template: Path, tmp_path: Path, trial: int) -> None:
    outcome = random_trial(template, tmp_path / "copy", trial, random.Random(trial))
    assert outcome.acknowledged >= 2  # the warm-up writes at least
    assert outcome.problems == []
