"""Linking mag-graph to open government data: importers and a SPARQL pull.

* :func:`import_tooi`: the TOOI registers of gemeenten, provincies and waterschappen;
* :func:`import_gemeenten`: municipality records of the register snapshot (identifiers,
  inhabitants, council seats);
* :func:`import_regelingen`: gemeenschappelijke regelingen as partnerships with
  participants, the same shape as the Maassluis example;
* :func:`import_cbs`: rows of a CBS StatLine table as Data Cube baseline observations;
* :func:`pull`: CONSTRUCT/DESCRIBE results of a remote SPARQL endpoint into a named graph,
  with PROV-O provenance.

Each returns a report; each writes in one store transaction and replaces its own target
graphs, so running it twice gives the same store (see :mod:`mag_graph.opendata.common`).

May import: :mod:`mag_graph.store`, :mod:`mag_graph.namespaces`, :mod:`mag_graph.resources`.
"""

from .cbs import CBS_TABLE_KWB_2024, cbs_graph, import_cbs
from .common import ImportFailed, ImportReport, SkippedRecord
from .gemeenten import GEMEENTEN_GRAPH, import_gemeenten
from .pull import PROVENANCE_GRAPH, PullFailed, PullReport, pull
from .regelingen import REGELINGEN_GRAPH, import_regelingen, regeling_slug
from .tooi import import_tooi, tooi_graph

__all__ = [
    "CBS_TABLE_KWB_2024",
    "GEMEENTEN_GRAPH",
    "PROVENANCE_GRAPH",
    "REGELINGEN_GRAPH",
    "ImportFailed",
    "ImportReport",
    "PullFailed",
    "PullReport",
    "SkippedRecord",
    "cbs_graph",
    "import_cbs",
    "import_gemeenten",
    "import_regelingen",
    "import_tooi",
    "pull",
    "regeling_slug",
    "tooi_graph",
]
