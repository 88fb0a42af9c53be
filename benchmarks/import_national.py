"""Import the whole national open-data snapshot (../shared/opendata) and ask Q15.

    python -m benchmarks.import_national                 # in memory
    python -m benchmarks.import_national --disk          # an on-disk store in a temp dir
    python -m benchmarks.import_national --opendata DIR  # another copy of the snapshot

Goal (issue 6): 613 gemeenten + 1,640 regelingen in at most 10 s. Prints per importer the
seconds, records and triples, checks that importing again changes nothing, and then asks
"in welke verbonden partijen neemt Maassluis deel?" through question q15, to show the
example and the national register speaking one language. Skips (exit 0) with a message
when the snapshot is not there: a fresh clone of the project does not have it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from mag_graph import linking, questions
from mag_graph.store import Store
from mag_graph.store.bootstrap import initialise

DEFAULT_OPENDATA = Path(__file__).resolve().parents[2] / "shared" / "opendata"
GOAL_SECONDS = 10.0


def _row(name: str, report: linking.ImportReport) -> str:
    return (
        f"{name:<12} {report.seconds:7.2f} s  {report.files:6} files  {report.records_read:6} read  "
        f"{report.records_imported:6} imported  {len(report.skipped):4} skipped  {len(report.ignored):4} ignored  "
        f"{report.triples:8,} triples"
    )


def run(opendata: Path, store: Store) -> int:
    tooi = opendata / "tooi"
    gemeenten = opendata / "polder" / "gemeenten"
    regelingen = opendata / "polder" / "gemeenschappelijke-regelingen"
    missing = [p for p in (tooi, gemeenten, regelingen) if not p.is_dir()]
    if missing:
        print(f"overgeslagen / skipped: the national snapshot is not here ({', '.join(map(str, missing))})")
        return 0

    started = time.perf_counter()
    initialise(store)
    print(f"{'example':<12} {time.perf_counter() - started:7.2f} s  (ontology, shapes, example data: {len(store):,} triples)")

    reports = {
        "tooi": linking.import_tooi(store, [tooi]),
        "gemeenten": linking.import_gemeenten(store, [gemeenten]),
        "regelingen": linking.import_regelingen(store, [regelingen]),
    }
    for name, report in reports.items():
        print(_row(name, report))
    seconds = sum(r.seconds for r in reports.values())
    imported = sum(r.triples for r in reports.values())
    verdict = "OK" if seconds <= GOAL_SECONDS else "TOO SLOW"
    print(f"{'total':<12} {seconds:7.2f} s  {imported:,} imported triples; store {len(store):,} triples "
          f"(goal <= {GOAL_SECONDS:g} s: {verdict})")
    for name in ("regelingen",):
        for key, value in sorted(reports[name].details.items()):
            print(f"  {key}: {value:,}")

    size = len(store)
    again = time.perf_counter()
    linking.import_regelingen(store, [regelingen])
    linking.import_gemeenten(store, [gemeenten])
    linking.import_tooi(store, [tooi])
    print(f"re-import: {time.perf_counter() - again:.2f} s, store {len(store):,} triples "
          f"({'unchanged' if len(store) == size else 'CHANGED'})")

    print()
    print("In welke verbonden partijen neemt Maassluis deel? (q15)")
    asked = time.perf_counter()
    answer = questions.ask(store, "q15", {"municipality": "maassluis"})
    took = time.perf_counter() - asked
    for row in answer.rows:
        partnership = row["partnership"].label or str(row["partnership"].value)
        joined = row["accessionDate"].value or "-"
        body = row["representedBy"].value or "-"
        print(f"  {partnership:<60} {joined!s:<10}  {body}")
    print(f"{len(answer.rows)} verbonden partijen / affiliated parties ({took * 1000:.0f} ms)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_national", description=__doc__.splitlines()[0])
    parser.add_argument("--opendata", type=Path, default=DEFAULT_OPENDATA, help="the snapshot folder (tooi/, polder/)")
    parser.add_argument("--disk", action="store_true", help="use an on-disk store in a temporary directory")
    args = parser.parse_args(argv)
    if args.disk:
        with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "store") as store:
            return run(args.opendata, store)
    with Store.open(":memory:") as store:
        return run(args.opendata, store)


if __name__ == "__main__":
    raise SystemExit(main())
