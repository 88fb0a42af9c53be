"""kill -9 during CMS writes: does the restarted server show every acknowledged write and
no half-written one?

    python -m benchmarks.crash_trials                 # every pipeline step + 100 random-time trials
    python -m benchmarks.crash_trials --trials 20     # fewer random trials
    python -m benchmarks.crash_trials --no-steps      # random-time trials only

Each trial runs a real ``mag-graph serve`` on a copy of a store with the example data.

* **Step trials**: the server runs with ``MAG_GRAPH_CRASH_AT=<step>``
  (:mod:`mag_graph.store.crashpoints`) and kills itself with SIGKILL when one reviewer's
  merge patch of a theme's label reaches that step of the write pipeline. Before the
  commit nothing of the write may be left; after it, all of it.
* **Create step trials**: the same for a create of a new theme, which writes into
  graphs that may not exist yet: killed before the commit, not even an empty graph may
  be left (the store's graph list, ``GRAPH ?g {}``, ``stats``).
* **Random-time trials**: two writers patch the labels of two adopted themes in a loop
  over HTTP; a random 0.2-2 s (or three times the median write, when writes are slower
  on a loaded machine) after they start the server gets SIGKILL. By default the trials
  are chained: one copy of the store, each trial's restarted server the next one's
  victim (``--fresh``: a new copy and two server starts per trial).

After each kill the server is started again and every face is read: anonymous SPARQL,
the CMS item (``/api/v1/themes/...``), the resource page (``/doc/...``), search
(``/api/v1/search``), the history (``.../history``); then the server is stopped and the
store itself is opened (pending revisions, the label statements). A trial fails when a
face disagrees with another, when an acknowledged write is missing, when a pending
revision is left, or when the label is neither the last acknowledged one nor the one
that was in flight. The figures: trials, acknowledged writes, writes lost, half-written
states, failures.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.served import (
    RDFS_LABEL,
    Served,
    copy_store,
    make_store,
    public_label,
    start,
)

THEMES = ["hg-gezond-en-vitaal", "hg-meedoen-en-ontmoeten"]
THEME_BASE = "https://data.mag-graph.nl/id/thema/"


@dataclass
class Faces:
    """What each face of the restarted server says about one theme's Dutch label."""

    api: str | None
    sparql: set[str]
    page: str
    revisions: int

    def shows(self, label: str) -> bool:
        return html.escape(label) in self.page or label in self.page


def faces(served: Served, ref: str) -> Faces:
    iri = THEME_BASE + ref
    item = served.call("GET", f"/api/v1/themes/{ref}")
    assert item.status == 200, item.body[:300]
    label = item.json().get("label", {})
    api = label.get("nl") if isinstance(label, dict) else None
    if isinstance(api, list):
        api = api[0] if len(api) == 1 else repr(sorted(api))
    page = served.call("GET", f"/doc/thema/{ref}", headers={"Accept": "text/html"})
    assert page.status == 200, page.body[:300]
    history = served.call("GET", f"/api/v1/themes/{ref}/history", user="vaststeller")
    assert history.status == 200, history.body[:300]
    return Faces(api, public_label(served, iri), page.body.decode("utf-8"), len(history.json()["revisions"]))


def search_finds(served: Served, word: str, ref: str, *, user: str | None = None) -> bool:
    reply = served.call("GET", "/api/v1/search?" + urllib.parse.urlencode({"q": word}), user=user)
    assert reply.status == 200, reply.body[:300]
    return any(item["id"] == THEME_BASE + ref for item in reply.json()["items"])


def pending_in_store(store: Path) -> tuple[list[str], set[str]]:
    """After the server stopped: pending revisions and the theme labels in the store itself."""
    from mag_graph.cms import history
    from mag_graph.store import Store

    with Store.open(store, create=False) as opened:
        pending = history.pending_revisions(opened)
        rows = opened.query(
            f'SELECT ?l WHERE {{ GRAPH ?g {{ <{THEME_BASE}{THEMES[0]}> <{RDFS_LABEL}> ?l FILTER(LANG(?l) = "nl") }} }}'
        ).rows
    return pending, {str(r[0]) for r in rows}


# --------------------------------------------------------------------------- one pipeline step


@dataclass
class StepOutcome:
    step: str
    acknowledged: bool
    applied: bool
    problems: list[str] = field(default_factory=list)


def step_trial(template: Path, workdir: Path, step: str) -> StepOutcome:
    """Kill the server at ``step`` of one write; restart; the write is all there or not at all."""
    store = copy_store(template, workdir)
    ref = THEMES[0]
    word = f"herstelwoord{step}"
    new_label = f"Hersteltoets {word}"
    served = start(store, "--workers", "2", env={"MAG_GRAPH_CRASH_AT": step})
    try:
        before = faces(served, ref)
        try:
            reply = served.patch_label(f"/api/v1/themes/{ref}", new_label)
            acknowledged = reply.status == 200
        except (ConnectionError, OSError):
            acknowledged = False
        served.process.wait(timeout=60)  # it killed itself
    finally:
        served.kill()
    served = start(store, "--workers", "2")
    problems: list[str] = []
    try:
        after = faces(served, ref)
        found = search_finds(served, word, ref)
    finally:
        served.stop()
    pending, stored = pending_in_store(store)
    applied = after.api == new_label
    expected_label = new_label if applied else before.api
    if acknowledged and not applied:
        problems.append("an acknowledged write was lost")
    if pending:
        problems.append(f"pending revisions left: {pending}")
    if after.sparql != {expected_label}:
        problems.append(f"anonymous SPARQL says {after.sparql}, the API {after.api!r}")
    if not after.shows(expected_label) or (not applied and after.shows(new_label)):
        problems.append("the resource page disagrees with the API")
    if found != applied:
        problems.append(f"search {'finds' if found else 'misses'} the new label, the API {'has' if applied else 'lacks'} it")
    if after.revisions != before.revisions + (1 if applied else 0):
        problems.append(f"history has {after.revisions} revisions, {before.revisions} before, write applied: {applied}")
    if stored != {expected_label}:
        problems.append(f"the store holds {stored}")
    return StepOutcome(step, acknowledged, applied, problems)


# --------------------------------------------------------------------------- one pipeline step of a create

HG = "https://identifier.overheid.nl/tooi/id/gemeente/gm0523"
GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"


@dataclass
class Traces:
    """Where a created resource and the graphs it went into can be seen, over HTTP and in
    the store itself."""

    graphs_sparql: set[str]  # GRAPH ?g {} as the admin sees it
    graphs_store: set[str]  # the store's own list of named graphs
    graphs_stats: set[str]  # mag-graph stats --format json
    found: set[str]  # resources with the new label, over all graphs (admin SPARQL)
    api: int  # status of GET /api/v1/themes/<slug>
    search: bool
    pending: list[str]


def _graphs_over_sparql(served: Served) -> set[str]:
    reply = served.sparql(GRAPHS_QUERY, user="beheerder")
    assert reply.status == 200, reply.body[:300]
    return {b["g"]["value"] for b in reply.json()["results"]["bindings"]}


def _graphs_in_store(store: Path) -> tuple[set[str], list[str]]:
    from mag_graph.cms import history
    from mag_graph.store import Store

    with Store.open(store, create=False) as opened:
        return {str(g) for g in opened.graphs()}, history.pending_revisions(opened)


def _graphs_in_stats(store: Path) -> set[str]:
    import json
    import os
    import subprocess

    from benchmarks.served import SCRIPT

    env = {k: v for k, v in os.environ.items() if k not in ("MAG_GRAPH_STORE", "MAG_GRAPH_CRASH_AT")}
    done = subprocess.run([str(SCRIPT), "stats", "--format", "json", "--store", str(store)],
                          capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    return {name.strip("<>") for name in json.loads(done.stdout)["graphs"] if name not in ("default", "")}


def traces(served: Served, store: Path, label: str, slug: str) -> Traces:
    """What the restarted server and (after it stopped) the store show of a created theme."""
    query = f'SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ ?s <{RDFS_LABEL}> ?l FILTER(STR(?l) = "{label}") }} }}'
    reply = served.sparql(query, user="beheerder")
    assert reply.status == 200, reply.body[:300]
    found = {b["s"]["value"] for b in reply.json()["results"]["bindings"]}
    api = served.call("GET", f"/api/v1/themes/{slug}", user="vaststeller").status
    searched = search_finds(served, label.split()[-1], slug, user="vaststeller")  # a draft: not public
    graphs_sparql = _graphs_over_sparql(served)
    served.stop()
    graphs_store, pending = _graphs_in_store(store)
    return Traces(graphs_sparql, graphs_store, _graphs_in_stats(store), found, api, searched, pending)


def create_step_trial(template: Path, workdir: Path, step: str) -> StepOutcome:
    """Kill the server at ``step`` of one create (a new theme, in a graph that may not
    exist yet); restart; the theme is all there, or there is no trace of it: no empty
    graph left in the store's list of graphs, in ``GRAPH ?g {}`` or in ``stats``."""
    store = copy_store(template, workdir)
    before_store, _ = _graphs_in_store(store)
    before_stats = _graphs_in_stats(store)
    word = f"aanmaakproef{step}"
    label = f"Aanmaaktoets {word}"
    slug = f"hg-aanmaaktoets-{word}"
    body = json.dumps({"label": {"nl": label}, "description": {"nl": f"beschrijving {word}"}, "municipality": [HG]})
    served = start(store, "--workers", "2", env={"MAG_GRAPH_CRASH_AT": step})
    try:
        before_sparql = _graphs_over_sparql(served)
        try:
            reply = served.call("POST", "/api/v1/themes", body, user="redacteur",
                                headers={"Content-Type": "application/ld+json"}, timeout=300)
            acknowledged = reply.status == 201
        except (ConnectionError, OSError):
            acknowledged = False
        served.process.wait(timeout=60)  # it killed itself
    finally:
        served.kill()
    served = start(store, "--workers", "2")
    try:
        after = traces(served, store, label, slug)
    finally:
        served.stop()
    applied = after.api == 200
    problems: list[str] = []
    if acknowledged and not applied:
        problems.append("an acknowledged create was lost")
    if after.pending:
        problems.append(f"pending revisions left: {after.pending}")
    if applied:
        if after.found != {THEME_BASE + slug} or not after.search:
            problems.append(f"created, but SPARQL finds {after.found}, search {after.search}")
    else:
        if after.api != 404 or after.found or after.search:
            problems.append(f"not created, but the API says {after.api}, SPARQL finds {after.found}, "
                            f"search {after.search}")
        for face, seen, was in (("the store's graph list", after.graphs_store, before_store),
                                ("GRAPH ?g {}", after.graphs_sparql, before_sparql),
                                ("stats", after.graphs_stats, before_stats)):
            if seen != was:
                problems.append(f"{face}: graphs {sorted(seen - was)} added, {sorted(was - seen)} gone")
    return StepOutcome(step, acknowledged, applied, problems)


# --------------------------------------------------------------------------- random time


@dataclass
class Writer:
    ref: str
    acknowledged: list[str] = field(default_factory=list)
    in_flight: str | None = None
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # how long each acknowledged write took


def _write_loop(served: Served, writer: Writer, trial: int, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        label = f"Proef t{trial}x{THEMES.index(writer.ref)}n{n}"
        writer.in_flight = label
        began = time.monotonic()
        try:
            reply = served.patch_label(f"/api/v1/themes/{writer.ref}", label, timeout=300)
        except (ConnectionError, OSError):
            return  # the server is gone; the label may or may not have been written
        if reply.status == 200:
            writer.acknowledged.append(label)
            writer.seconds.append(time.monotonic() - began)
            writer.in_flight = None
        elif reply.status != 412:  # 412: the other face of a race with nobody; anything else is wrong
            writer.errors.append(f"{reply.status}: {reply.body[:200]!r}")
            writer.in_flight = None


@dataclass
class RandomOutcome:
    acknowledged: int
    in_flight_applied: int
    lost: list[str]  # an acknowledged write missing (label older than acknowledged, a revision short)
    half: list[str]  # faces that disagree, a pending revision left, a write seen in part
    other: list[str]  # anything else wrong (an unexpected HTTP status from a writer)
    write_seconds: list[float] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.lost + self.half + self.other


def _kill_among_writes(served: Served, trial: int, rng: random.Random, window: float) -> tuple[list[Writer], dict[str, int]]:
    """Two writers patch the labels of two adopted themes in a loop; a random time within
    ``window`` seconds after they start, the server gets SIGKILL."""
    writers = [Writer(ref) for ref in THEMES]
    try:
        before = {w.ref: faces(served, w.ref).revisions for w in writers}
        # The first write of a fresh server process is slow (validation warms up): one
        # write per theme first, then the writers run at full speed and the kill falls at
        # a random time among their writes.
        for writer in writers:
            label = f"Proef t{trial}x{THEMES.index(writer.ref)}n0"
            reply = served.patch_label(f"/api/v1/themes/{writer.ref}", label, timeout=600)
            assert reply.status == 200, reply.body[:300]
            writer.acknowledged.append(label)
        stop = threading.Event()
        threads = [threading.Thread(target=_write_loop, args=(served, w, trial, stop), daemon=True) for w in writers]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(0.2, window))
        served.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        served.kill()
    return writers, before


def _check_after_restart(served: Served, writers: list[Writer], before: dict[str, int]) -> RandomOutcome:
    """Every face of the restarted server against what the writers were told."""
    lost: list[str] = []
    half: list[str] = []
    other: list[str] = []
    applied_in_flight = 0
    for writer in writers:
        other += [f"{writer.ref}: {e}" for e in writer.errors]
        seen = faces(served, writer.ref)
        last = writer.acknowledged[-1] if writer.acknowledged else None
        allowed = {x for x in (last, writer.in_flight) if x is not None}
        if allowed and seen.api not in allowed:
            (lost if seen.api in writer.acknowledged or seen.api is None else half).append(
                f"{writer.ref}: label {seen.api!r}, last acknowledged {last!r}, in flight {writer.in_flight!r}")
        extra = 1 if seen.api is not None and seen.api == writer.in_flight else 0
        applied_in_flight += extra
        expected = before[writer.ref] + len(writer.acknowledged) + extra
        if seen.revisions != expected:
            (lost if seen.revisions < expected else half).append(
                f"{writer.ref}: {seen.revisions} revisions, {before[writer.ref]} before, "
                f"{len(writer.acknowledged)} acknowledged, in flight applied: {bool(extra)}")
        if seen.api is not None and seen.sparql != {seen.api}:
            half.append(f"{writer.ref}: anonymous SPARQL says {seen.sparql}, the API {seen.api!r}")
        if seen.api is not None and not seen.shows(seen.api):
            half.append(f"{writer.ref}: the resource page does not show {seen.api!r}")
        if seen.api is not None and seen.api.startswith("Proef") and not search_finds(served, seen.api.split()[-1], writer.ref):
            half.append(f"{writer.ref}: search does not find {seen.api!r}")
        if writer.in_flight and not extra:
            # the write in flight was not applied: no face may show any of it
            if seen.shows(writer.in_flight) or writer.in_flight in seen.sparql:
                half.append(f"{writer.ref}: the unapplied write {writer.in_flight!r} shows on a face")
            if search_finds(served, writer.in_flight.split()[-1], writer.ref):
                half.append(f"{writer.ref}: search finds the unapplied write {writer.in_flight!r}")
    from mag_graph.cms.history import CMS
    from mag_graph.cms.workflow import HISTORY_GRAPH

    pending = served.sparql(f"ASK {{ GRAPH <{HISTORY_GRAPH}> {{ ?r <{CMS.pending}> true }} }}", user="beheerder")
    if pending.status != 200 or pending.json()["boolean"]:
        half.append(f"admin SPARQL finds a pending revision ({pending.status})")
    return RandomOutcome(sum(len(w.acknowledged) for w in writers), applied_in_flight, lost, half, other,
                         [t for w in writers for t in w.seconds])


def _check_store(store: Path, writers: list[Writer], outcome: RandomOutcome) -> None:
    """After the server stopped: no pending revision in the store itself, and the first
    theme's label statements are the last acknowledged or the in-flight one, alone."""
    pending, stored = pending_in_store(store)
    if pending:
        outcome.half.append(f"pending revisions left: {pending}")
    first = writers[0]
    if first.acknowledged:
        allowed = {x for x in (first.acknowledged[-1], first.in_flight) if x is not None}
        if len(stored) != 1 or not stored <= allowed:
            outcome.half.append(f"{first.ref}: the store holds {stored}, allowed {allowed}")


def random_trial(template: Path, workdir: Path, trial: int, rng: random.Random, window: float = 2.0) -> RandomOutcome:
    """One trial on a fresh copy of the store: writes, kill -9, restart, every face read."""
    store = copy_store(template, workdir)
    writers, before = _kill_among_writes(start(store, "--workers", "2", "--threads", "6"), trial, rng, window)
    served = start(store, "--workers", "2")
    try:
        outcome = _check_after_restart(served, writers, before)
    finally:
        served.stop()
    _check_store(store, writers, outcome)
    return outcome


def chained_trials(template: Path, workdir: Path, trials: int, rng: random.Random,
                   window: float = 2.0) -> Iterator[RandomOutcome]:
    """``trials`` trials on one copy of the store, each one's restarted (and checked)
    server the next one's victim: half the server starts of :func:`random_trial`, and
    recovery runs on a store with a growing history. The kill falls within ``window``
    seconds, or three times the median write of the trials so far if that is longer (on
    a loaded machine one write can take seconds; while no write of the loop has been
    answered the window doubles, up to a minute). The store itself is checked at the end."""
    store = copy_store(template, workdir)
    served = start(store, "--workers", "2", "--threads", "6")
    seconds: list[float] = []
    wait = window
    try:
        for trial in range(1, trials + 1):
            scale = max(wait, 3 * sorted(seconds)[len(seconds) // 2]) if seconds else wait
            writers, before = _kill_among_writes(served, trial, rng, scale)
            served = start(store, "--workers", "2", "--threads", "6")
            outcome = _check_after_restart(served, writers, before)
            seconds = (seconds + outcome.write_seconds)[-50:]
            if not outcome.write_seconds:  # no write of the loop answered yet: wait longer next time
                wait = min(wait * 2, 60.0)
            if trial == trials:
                served.stop()
                _check_store(store, writers, outcome)
            yield outcome
    finally:
        served.stop()


# --------------------------------------------------------------------------- the report


def main(argv: list[str] | None = None) -> int:
    from mag_graph.store.crashpoints import STEPS

    parser = argparse.ArgumentParser(prog="python -m benchmarks.crash_trials", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100, help="random-time kill -9 trials (default 100)")
    parser.add_argument("--no-steps", action="store_true", help="skip the kill at each pipeline step")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--fresh", action="store_true",
                        help="a fresh copy of the store and two server starts per trial (default: chained, "
                             "each trial's restarted server is the next one's victim)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    failures = 0
    with tempfile.TemporaryDirectory(prefix="mag-graph-crash-") as tmp:
        root = Path(tmp)
        template = make_store(root / "template" / "store")
        if not args.no_steps:
            for kind, trial in (("step", step_trial), ("create", create_step_trial)):
                for step in STEPS:
                    outcome = trial(template, root / f"{kind}-{step}", step)
                    failures += bool(outcome.problems)
                    print(f"{kind} {step:<11} acknowledged={outcome.acknowledged!s:<5} applied={outcome.applied!s:<5} "
                          f"{'OK' if not outcome.problems else 'FAILED: ' + '; '.join(outcome.problems)}", flush=True)
        acknowledged = applied = failed = lost = half = 0
        started = time.monotonic()
        if args.fresh:
            outcomes: Iterator[RandomOutcome] = (random_trial(template, root / f"trial-{t}", t, rng)
                                                 for t in range(1, args.trials + 1))
        else:
            outcomes = chained_trials(template, root / "chained", args.trials, rng)
        for trial, outcome in enumerate(outcomes, start=1):
            acknowledged += outcome.acknowledged
            applied += outcome.in_flight_applied
            lost += bool(outcome.lost)
            half += bool(outcome.half)
            if outcome.problems:
                failed += 1
                print(f"trial {trial}: FAILED: {'; '.join(outcome.problems)}", flush=True)
            else:
                print(f"trial {trial}: OK ({outcome.acknowledged} acknowledged, in-flight write found complete: "
                      f"{outcome.in_flight_applied}); {trial} trials, {acknowledged} acknowledged writes, "
                      f"{failed} failed so far ({time.monotonic() - started:.0f} s)", flush=True)
        failures += failed
        if args.trials:
            print(f"random-time kill -9: {args.trials} trials, {acknowledged} acknowledged writes, "
                  f"trials with an acknowledged write lost: {lost}, with a half-written state: {half}, "
                  f"{applied} unacknowledged in-flight writes found complete, "
                  f"{failed} failed trials ({time.monotonic() - started:.0f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
