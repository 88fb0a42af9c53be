"""Report benchmark: what the readable report adds, each part against the plain way in
the same run.

* naming the assigned actor of every finding (``validation.actors``) against reading
  the same report graph without it;
* checking a role matrix uploaded as XLSX (read by ``mag_graph.sheets``) against the
  same responsibilities uploaded as Turtle;
* the PDF download (WeasyPrint) against the printable HTML it is made from.

Run through ``python -m benchmarks report``.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

RUNS = 5


def _timed(work: Callable[[], Any], runs: int = RUNS) -> tuple[float, Any]:
    """The median seconds of ``runs`` calls, and the last outcome."""
    seconds = []
    outcome = None
    for _ in range(runs):
        started = time.perf_counter()
        outcome = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), outcome


def _line(name: str, ours: float, theirs: float, what: str) -> None:
    print(f"  {name:<44} {ours * 1000:9.1f} ms  vs {theirs * 1000:9.1f} ms ({what})  ratio {ours / theirs:5.2f}")


def actors(store: Any, date: dt.date) -> None:
    from mag_graph.validation import report as report_module
    from mag_graph.validation import validate
    from mag_graph.validation.shapes import prepared_shapes

    # Maassluis's sourced graph alone (without its illustrative graph): many findings.
    result = validate(store, date=date, graph="https://data.mag-graph.nl/graph/maassluis")
    shapes = prepared_shapes(date)[0]

    def read() -> list[Any]:
        return report_module._read_results(result.report_graph, shapes, store, "nl")

    with_actors, found = _timed(read)
    original = report_module.actors_of
    report_module.actors_of = lambda *_args, **_kw: []
    try:
        without, _ = _timed(read)
    finally:
        report_module.actors_of = original
    named = sum(1 for r in found if r.actors)
    print(f"reading {len(found)} findings ({named} with an actor) of Maassluis's sourced graph at {date}:")
    _line("with the assigned actors", with_actors, without, "without")


def spreadsheet(store: Any) -> None:
    import pyoxigraph as ox

    from mag_graph import sheets
    from mag_graph.store import MEMORY, Store
    from mag_graph.validation import checking

    graph_store = Store(store, MEMORY, in_memory=True)
    vocabulary = sheets.Vocabulary(graph_store)
    groups = sheets.matrix_rows(graph_store, None, "nl", vocabulary=vocabulary)
    xlsx = sheets.to_xlsx(groups, vocabulary, "nl")
    graph, rows = sheets.sheet_to_graph(xlsx, sheets.XLSX, graph_store)
    turtle = graph.serialize(format="turtle").encode("utf-8")
    date = dt.date(2026, 11, 1)
    as_sheet, report = _timed(lambda: checking.check(xlsx, sheets.XLSX, date=date, context=store), runs=3)
    as_turtle, _ = _timed(lambda: checking.check(turtle, "text/turtle", date=date, context=store), runs=3)
    print(f"checking the example's role matrix ({len(rows)} rows, {len(xlsx):,} bytes XLSX) with the graph as context:")
    _line("uploaded as XLSX (rows named in findings)", as_sheet, as_turtle, "as Turtle")
    assert isinstance(store, ox.Store) and report is not None


def pdf(store: Any) -> None:
    from mag_graph.api import create_app
    from mag_graph.api.checking import printable

    from mag_graph.store import MEMORY, Store
    from mag_graph.validation import validate

    result = validate(store, date=dt.date(2019, 6, 1))
    app = create_app(Store(store, MEMORY, in_memory=True), config={"MAG_GRAPH_CACHE_ENTRIES": 0})
    try:
        with app.test_request_context("/validatie"):
            as_pdf, data = _timed(lambda: printable(result, "pdf"), runs=3)
            as_html, page = _timed(lambda: printable(result, "html"), runs=3)
    finally:
        app.extensions["mag_graph"].close()
    print(f"the report of {len(result.results)} findings as a download ({len(data):,} bytes PDF, {len(page):,} bytes HTML):")
    _line("PDF (WeasyPrint)", as_pdf, as_html, "printable HTML")


def report() -> None:
    from mag_graph.validation import example_store

    store = example_store()
    actors(store, dt.date(2019, 6, 1))
    spreadsheet(store)
    pdf(store)


if __name__ == "__main__":
    report()
