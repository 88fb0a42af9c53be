"""Workbench benchmark: rendering the forms and saving through them, against the API a
script-driven client would use for the same work, in the same run.

    python -m benchmarks workbench                  # the example store
    python -m benchmarks workbench --size 100k      # the example store plus synthetic data
    python -m benchmarks.workbench --runs 50

The application is the real one (``create_app`` on an on-disk store, session login with
CSRF tokens, the form posted as a browser posts it), driven in-process through Flask's
test client so the figures are the server's time, not a client's. Each scenario runs
``--runs`` times; the figures are p50 and p99 in milliseconds:

* the create form and the edit form of a responsibility (JSON Schema -> form, names of
  the references, the ETag) against the API's ``GET /api/v1/types/responsibility`` plus
  ``GET`` of the item (what a script would fetch to build the same form);
* saving the edit form (a merge patch through the CMS: validation, history, search
  index) against ``PATCH`` of the same change through the API (bearer token), and the
  form's "check, don't save" (a dry run of the same write, rolled back).

The goals of issue 11 are a form p50 <= 150 ms and a save p50 <= 50 ms at 1M triples.
``--size`` loads the synthetic data once into benchmarks/out/workbench-SIZE-vN (1M: about
8 minutes here) and copies that store for every run.

Measured 2026-12-07 on a quiet moment of the shared 2-CPU machine (p50, ms; example store
11,649 quads / with synthetic 100k, 113,061 quads): create form 10.0 / 21.9, edit form
16.8 / 27.2 (API schema + item 8.6 / 15.6), save 304 / 351 (API PATCH 310 / 342),
check-don't-save 176 / 210.

Measured 2026-12-07 18:00-18:30 with the machine overloaded (load average 19-25 on 2
CPUs: all figures about 3x the quiet ones), 15 runs, before -> after incremental
validation on the set-based engine (validation/focused.py) and the impact and snapshot
changes of that day; example / 100k / 1M (1,356,051 quads):
  create form      61 -> 76  /   61 -> 65  /   65 -> 52
  edit form        59 -> 78  /   87 -> 72  /  116 -> 106
  save (form)     946 -> 774 / 1183 -> 835 / 1206 -> 944   (0.82x / 0.71x / 0.78x)
  API PATCH      1030 -> 811 / 1147 -> 924 / 1415 -> 862   (0.79x / 0.81x / 0.61x)
  check, no save  845 -> 787 /  777 -> 765 /  937 -> 707   (0.93x / 0.98x / 0.75x)
The form pages meet their goal at 1M; saves do not. Where a save's time goes (cProfile of
API PATCH at 1M, same load): the query processes' snapshot after each commit (a RocksDB
checkpoint, which flushes the memtables: ~45 % of the write), the impact analysis run
twice (before and after the change: ~25 %; for this label change it walks R19-R22, R04
and R12, whose messages read labels), the incremental validation itself (~10 %, one
focus node: ~100 ms on pySHACL before, 4-30 ms on the set-based engine), the JSON-LD
parse and the search index.

Measured 2026-12-07 21:27-21:42 UTC, 15 runs, load average 17-23 on the shared 2 CPUs
(wall figures are mostly CPU starvation at that load: compare the CPU column, this
process's CPU per scenario, all threads), before -> after the query snapshot moved to the
background (SparqlService.changed), the impact analysis ran once per write and JSON-LD
parsing stopped copying the context; p50 wall ms (CPU ms), 100k / 1M:
  save (form)      680 (122) -> 107 (70)  /  943 (132) -> 657 (117)
  API PATCH        669 (114) -> 158 (59)  /  574 (120) -> 651 (107)
  check, no save   660 (97)  -> 417 (77)  / 1116 (133) -> 735 (94)
20 API PATCHes alone at 1M (no page-lock part, same app, load 15-16): wall p50
615 -> 315 ms, CPU 97 -> 76 ms. The save goal (p50 <= 50 ms at 1M) is not met: a label
PATCH still costs ~75-110 ms of CPU here, about half of it the incremental validation
(validation/setbased.py, ~50 ms under cProfile), a third the one impact walk (~30 ms),
the rest reading the resource (ETag, settle, answer: ~3 ms each), the history record,
the search index (sqlite, ~8 ms) and parsing (~1.3 ms). Back to back, a save also
waits for the checkpoint of the previous one when it comes in during it (~25 ms).

Measured 2026-12-07 22:56 UTC on the merged tree (the set-based engine's changes of that
day too), 15 runs, load average 4.5 (the test suite running beside it), 1M (1,356,051
quads), p50 wall ms (CPU ms): create form 11.5 (11.2), edit form 14.4 (13.0; API schema +
item 6.4), save (form) 156 (144), API PATCH 131 (124), check, don't save 142 (118). The
forms meet their goal; the save (goal 50 ms) does not.

Measured 2026-12-08 00:22 -> 01:13 UTC, 15 runs, 1M (1,356,051 quads), before -> after that
night's save changes (the impact walk reads each lookup once per walk, not once per shape;
incremental validation asks which shapes target the focus nodes before pySHACL reads their
targets; the search index commits without fsync; a PATCH reads the resource once under
the write lock; the background query snapshot waits for the writes to pause), p50 wall ms
(CPU ms), load average 5.3 before, 7.8 after:
  create form       11.9 (8.0)   ->   8.3 (5.0)
  edit form         28.7 (15.9)  ->  12.5 (8.5)
  save (form)      238.9 (135.7) ->  65.1 (38.1)   wall 0.27x, CPU 0.28x
  API PATCH        256.3 (137.1) ->  66.7 (37.9)   wall 0.26x, CPU 0.28x
  check, no save   238.9 (131.0) ->  85.5 (65.8)   wall 0.36x, CPU 0.50x
(at load 13, 00:56: save 130.5 (54.7), API PATCH 122.9 (71.8), check 123.2 (69.6)). The
save's CPU, GET included, is under 50 ms; its wall p50 on this shared machine is not.
Where a label PATCH's CPU goes now (thread CPU of the request, load ~12, so high): the
incremental validation ~13-16 ms (set-based engine: the SPARQL of the few shapes that target
a responsibility, and pySHACL's report graph), the impact walk ~6-15 ms (Python walking R19-R22,
R05, R02-R04, R09, R10 and R12, which read labels; ~40 store lookups), the search index
update ~5 ms (reading the resource's indexed statements; FTS5's merges ~1 ms), JSON-LD parsing
~3.5 ms, the resource read 2-3 times (~1 ms each), applying and committing the change ~2.5 ms,
Flask and the answer ~5 ms.

The pages' read lock (api/page_lock.py; ``page_lock`` below): an anonymous ``/doc`` read
alone and while dry runs of a change with a unique label run back to back in another
thread, with the lock and with its hook taken out of the same app. Measured 2026-12-07
18:03 UTC, example store, 20 runs, load average 17 on the shared 2 CPUs (p50 / p99 ms):
alone 122.7 / 166.1 with the lock, 136.5 / 214.9 without (0.90x: the lock itself costs
nothing measurable); during back-to-back dry runs 710 / 1104 with the lock (59 dry runs,
0 pages showed the label) against 183 / 564 without (11 dry runs, 35 of 60 pages showed
the unsaved label). A page asked for during a write waits for that write's validation
(~0.9 s each under that load); without the lock it is faster but wrong.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

EDIT = "/werkbank/responsibility/hg-uitvoering-penvoerder-1/bewerken"
ITEM = "/api/v1/responsibilities/hg-uitvoering-penvoerder-1"
PASSWORD = "bench-wachtwoord-1"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _cpu() -> float:
    """CPU seconds of this process, every thread (pyoxigraph releases the GIL, and the
    query snapshot is made in a background thread)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def timed(runs: int, action: Callable[[int], Any]) -> tuple[float, float, float]:
    """p50 and p99 wall-clock ms, and p50 CPU ms (this process, all threads)."""
    action(-1)  # once before measuring: first-use caches
    times, cpu = [], []
    for n in range(runs):
        began, began_cpu = time.perf_counter(), _cpu()
        action(n)
        times.append((time.perf_counter() - began) * 1000)
        cpu.append((_cpu() - began_cpu) * 1000)
    return statistics.median(times), percentile(times, 0.99), statistics.median(cpu)


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _form_fields(html: str) -> list[tuple[str, str]]:
    """The edit form's values as a browser posts them (text inputs, checked boxes, selected options)."""
    form = html[html.index('<form class="cms-form"'):]
    form = form[:form.index("</form>")]
    fields: list[tuple[str, str]] = []
    for tag in re.finditer(r"<input\b[^>]*>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(0)))
        name = attrs.get("name", "")
        if not name.startswith(("f.", "_etag")):
            continue
        if attrs.get("type") in ("checkbox", "radio") and " checked" not in tag.group(0):
            continue
        fields.append((name, attrs.get("value", "")))
    for select in re.finditer(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.DOTALL):
        chosen = re.search(r'<option value="([^"]*)" selected', select.group(2))
        if chosen:
            fields.append((select.group(1), chosen.group(1)))
    return fields


def _loaded(size: str) -> Path:
    """A directory holding a store with the example data plus synthetic ``size`` (and the
    search index beside it), made once and kept in benchmarks/out: loading 1M quads takes
    many minutes on a loaded machine, copying the store a few seconds. Each run works on
    a copy, so every run starts from the same store."""
    from benchmarks.__main__ import OUT, SIZES, dataset
    from benchmarks.generate import VERSION
    from mag_graph.cms.content import Content
    from mag_graph.store import Store
    from mag_graph.store.bootstrap import initialise

    kept = OUT / f"workbench-{size}-v{VERSION}"
    if (kept / "complete").exists():
        return kept
    path, _ = dataset(size, SIZES[size])
    partial = kept.with_name(kept.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    began = time.perf_counter()
    store = Store.open(partial / "store")
    try:
        initialise(store)
        store.load(path, format="nquads")
        Content(store).search.close()  # the search index, built once beside the store
    finally:
        store.close()
    (partial / "complete").write_text(f"{time.perf_counter() - began:.0f} s to load\n")
    shutil.rmtree(kept, ignore_errors=True)
    partial.rename(kept)
    return kept


def run(runs: int, size: str | None) -> None:
    from mag_graph.api import create_app

    from mag_graph.access.auth import AuthRegistry
    from mag_graph.store import Store
    from mag_graph.store.bootstrap import initialise
    from mag_graph.validation import warm_up

    with tempfile.TemporaryDirectory() as tmp:
        if size:
            shutil.copytree(_loaded(size), Path(tmp), dirs_exist_ok=True)
            store = Store.open(Path(tmp) / "store")
        else:
            store = Store.open(Path(tmp) / "store")
            initialise(store)
        with AuthRegistry.for_store(store.location) as auth:
            auth.add_user("rob", PASSWORD, "reviewer")
            _, token = auth.create_token("bench", "reviewer")
        print(f"store: {len(store):,} quads" + (f" (example data + synthetic {size})" if size else " (example data)"))
        app = create_app(store, config={"MAG_GRAPH_CACHE_ENTRIES": 0})
        warm_up.warm_up()
        try:
            report(app, token, runs)
        finally:
            app.extensions["mag_graph"].close()
            store.close()


def report(app: Any, token: str, runs: int) -> None:
    browser = app.test_client()
    page = browser.get("/inloggen").get_data(as_text=True)
    login = browser.post("/inloggen", data={"name": "rob", "password": PASSWORD, "csrf_token": _token(page)})
    assert login.status_code == 303, login.status_code
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def create_form(_: int) -> None:
        assert browser.get("/werkbank/responsibility/nieuw").status_code == 200

    def edit_form(_: int) -> None:
        assert browser.get(EDIT).status_code == 200

    def api_schema_and_item(_: int) -> None:
        assert api.get("/api/v1/types/responsibility", headers=bearer).status_code == 200
        assert api.get(ITEM, headers={**bearer, "Accept": "application/ld+json"}).status_code == 200

    # The POST of each measured form save on its own (wall ms, CPU ms): the save itself,
    # without fetching the form it is made from (that is the edit form's figure).
    posts: dict[str, list[tuple[float, float]]] = {"opslaan": [], "controleren": []}

    def form_post(action: str) -> Callable[[int], None]:
        def post(n: int) -> None:
            html = browser.get(EDIT).get_data(as_text=True)
            fields = [(k, v) for k, v in _form_fields(html) if k != "f.label.en"]
            fields += [("f.label.en", f"Lead party, form save {action} {n}"), ("_actie", action),
                       ("csrf_token", _token(html))]
            began, began_cpu = time.perf_counter(), _cpu()
            answer = browser.post(EDIT, data=MultiDict(fields))
            if n >= 0:
                posts[action].append(((time.perf_counter() - began) * 1000, (_cpu() - began_cpu) * 1000))
            assert answer.status_code in (200, 303), (answer.status_code, answer.get_data(as_text=True)[:500])
        return post

    def posted(action: str) -> tuple[float, float, float]:
        walls, cpus = [w for w, _ in posts[action]], [c for _, c in posts[action]]
        return statistics.median(walls), percentile(walls, 0.99), statistics.median(cpus)

    def api_patch(n: int) -> None:
        etag = api.get(ITEM, headers=bearer).headers["ETag"]
        answer = api.patch(ITEM, json={"label": {"en": f"Lead party, API patch {n}"}},
                           headers={**bearer, "If-Match": etag, "Content-Type": "application/merge-patch+json"})
        assert answer.status_code == 200, answer.get_data(as_text=True)[:500]

    rows = [
        ("create form (GET)", timed(runs, create_form)),
        ("edit form (GET)", timed(runs, edit_form)),
        ("  alternative: API schema + item (2 GETs)", timed(runs, api_schema_and_item)),
        ("save the edit form (GET form + POST)", timed(runs, form_post("opslaan"))),
        ("  of which the POST (the save itself)", posted("opslaan")),
        ("  alternative: API PATCH (GET ETag + PATCH)", timed(runs, api_patch)),
        ("check, don't save (GET form + POST)", timed(runs, form_post("controleren"))),
        ("  of which the POST", posted("controleren")),
    ]
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'scenario':48} {'p50 ms':>9} {'p99 ms':>9} {'CPU p50':>9}")
    for name, (p50, p99, cpu) in rows:
        print(f"{name:48} {p50:9.1f} {p99:9.1f} {cpu:9.1f}")
    figures = dict(rows)
    edit, alt = figures["edit form (GET)"][0], figures["  alternative: API schema + item (2 GETs)"][0]
    save, patch = figures["save the edit form (GET form + POST)"][0], figures["  alternative: API PATCH (GET ETag + PATCH)"][0]
    check = figures["check, don't save (GET form + POST)"][0]
    print(f"edit form / API schema+item: {edit / alt:.2f}x;  form save / API patch: {save / patch:.2f}x;  "
          f"check / save: {check / save:.2f}x")
    print("goals (issue 11, at 1M triples): form p50 <= 150 ms, save p50 <= 50 ms")
    page_lock(app, bearer, runs)


PAGE = "/doc/verantwoordelijkheid/hg-uitvoering-penvoerder-1"


def page_lock(app: Any, bearer: dict[str, str], runs: int) -> None:
    """What the pages' read lock (api/page_lock.py) costs: an anonymous page read alone and while
    dry runs of a change with a unique label run one after the other in another thread,
    with the lock and without it (the alternative: the lock's hook taken out of the same
    app); without it, how many pages showed the label of a change nobody saved."""
    from api import page_lock as module

    hooks = app.before_request_funcs.setdefault(None, [])
    lock_hook = next(f for f in hooks if f.__name__ == "_take_read_lock")
    assert module.install  # the hook measured is the one install() adds
    label = "Nooit opgeslagen (benchmark)"

    anonymous = app.test_client()

    def page(_: int) -> None:
        answer = anonymous.get(PAGE)
        assert answer.status_code == 200
        if label in answer.get_data(as_text=True):
            leaks[0] += 1

    def dry_runs(stop: threading.Event) -> None:
        writer = app.test_client()
        while not stop.is_set():
            etag = writer.get(ITEM, headers=bearer).headers["ETag"]
            answer = writer.patch(ITEM + "?dryRun=true", json={"label": {"nl": label}},
                                  headers={**bearer, "If-Match": etag, "Content-Type": "application/merge-patch+json"})
            assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
            dry[0] += 1

    rows = []
    for locked in (True, False):
        if not locked:
            hooks.remove(lock_hook)
        leaks, dry = [0], [0]
        alone = timed(runs, page)
        stop = threading.Event()
        thread = threading.Thread(target=dry_runs, args=(stop,), daemon=True)
        thread.start()
        during = timed(runs * 3, page)
        stop.set()
        thread.join()
        rows.append((locked, alone, during, leaks[0], dry[0]))
    hooks.append(lock_hook)
    print(f"{'page read (GET /doc)':48} {'p50 ms':>9} {'p99 ms':>9}   (load average {os.getloadavg()[0]:.1f})")
    for locked, alone, during, leaked, count in rows:
        name = "with the read lock" if locked else "  alternative: without the lock"
        print(f"{name + ', alone':48} {alone[0]:9.1f} {alone[1]:9.1f}")
        print(f"{name + ', during dry runs':48} {during[0]:9.1f} {during[1]:9.1f}   "
              f"({count} dry runs; {leaked} pages showed the unsaved label)")
    (_, alone_on, during_on, _, _), (_, alone_off, during_off, _, _) = rows
    print(f"lock / no lock: alone {alone_on[0] / alone_off[0]:.2f}x (p50), during dry runs "
          f"{during_on[0] / during_off[0]:.2f}x (p50), {during_on[1] / during_off[1]:.2f}x (p99)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks workbench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--size", choices=["10k", "100k", "1M"], default=None,
                        help="add synthetic data of this size to the example store")
    args = parser.parse_args(argv)
    run(args.runs, args.size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
