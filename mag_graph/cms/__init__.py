"""The headless CMS: editing the graph.

Owns :class:`~mag_graph.cms.content.Content` (the facade the API and the CLI call:
reads, listing, writes, transitions) and, one concern a module: the errors
(:mod:`.errors`), content types, vocabulary and field definitions (:mod:`.types`),
JSON-LD in and out (:mod:`.jsonld`), a resource as stored (:mod:`.resource`), ETags and
the read-write lock (:mod:`.concurrency`), JSON Schema for forms (:mod:`.schema`),
listings with checked parameters under the query timeout (:mod:`.listing`), the
one write pipeline (:mod:`.pipeline`: parse, settle identifiers, diff, record the
revision, validate the change, commit, notify listeners; crash recovery and undo), the
PROV-O history (:mod:`.history`), the workflow states (:mod:`.workflow`) and the
full-text search index (:mod:`.search`). History, workflow and search plug into the
pipeline and never import it or the facade.

May import: :mod:`mag_graph.validation`, :mod:`mag_graph.sparql` (the query service
listings run through), :mod:`mag_graph.access`, :mod:`mag_graph.store`,
:mod:`mag_graph.namespaces`, :mod:`mag_graph.resources`. Never the web layer.
"""

from mag_graph.cms.content import (  # noqa: F401
    API_BASE,
    CONTEXT_URL,
    AlreadyExistsError,
    Content,
    ContentError,
    ContentType,
    ForbiddenError,
    HasReferrersError,
    ImportResult,
    InvalidDocumentError,
    InvalidParameterError,
    InvalidValueError,
    NotFoundError,
    Page,
    PreconditionFailedError,
    PreconditionRequiredError,
    Resource,
    StateConflictError,
    ValidationFailedError,
    WriteResult,
    content_type,
    content_types,
    context,
    context_document,
    json_schema,
    parse_rdf,
    to_jsonld,
    types_overview,
)
from mag_graph.cms.history import UnknownRevisionError  # noqa: F401
from mag_graph.cms.search import SearchIndex  # noqa: F401
