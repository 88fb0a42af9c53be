"""``/api/v1`` for editing the graph: content types as collections, items as JSON-LD with
ETags, history, workflow, imports and search (docs/cms.md).

The views translate HTTP into calls of :class:`mag_graph.cms.content.Content` and nothing
else: who is asking (the ``Authorization`` header, checked by the credential registry),
which language (``?lang=`` or ``Accept-Language``), which representation (``Accept``,
``Content-Type``), the preconditions (``If-Match``, ``If-None-Match``), and the status
codes. Errors of the core carry their HTTP status; they are answered as
``application/problem+json`` with the findings as extension members (``invalidParams`` and
``results`` for 422, ``referrers`` for 409, ``currentEtag`` for 412).

Routes (Logius: kebab-case, no trailing slash, camelCase query keys)::

    GET    /api/v1/context                (the old /api/v1/context.jsonld redirects here)
    GET    /api/v1/types                  GET /api/v1/types/{type}
    GET    /api/v1/search?q=&type=&municipality=&page=&pageSize=
    POST   /api/v1/imports                (Turtle, TriG, JSON-LD, a role-matrix XLSX/CSV; all or nothing)
    GET    /api/v1/{collection}?page=&pageSize=&sort=&state=&{key}=
    POST   /api/v1/{collection}
    GET|HEAD|PUT|PATCH|DELETE /api/v1/{collection}/{ref}      (DELETE ?force=true)
    GET    /api/v1/{collection}/{ref}/history
    GET    /api/v1/{collection}/{ref}/history/{rev}
    POST   /api/v1/{collection}/{ref}/history/{rev}/revert
    POST   /api/v1/{collection}/{ref}/workflow/{transition}

``{ref}`` is the last segment of the resource's IRI when it is
``https://data.mag-graph.nl/id/{segment}/{ref}``; other IRIs (the TOOI IRIs of
executing bodies) get ``~`` and their base64url form. Clients need not build refs:
every listing and write answer carries the ``href``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException

from mag_graph import sheets
from mag_graph.access.auth import Principal
from mag_graph.cms import UnknownRevisionError, workflow
from mag_graph.cms import content as core
from mag_graph.cms.errors import WorkingCopyPendingError, WriteTimeoutError
from mag_graph.namespaces import MAGID
from mag_graph.sparql import QueryTimeoutError
from mag_graph.store import MagGraphError

from .i18n import negotiate as negotiate_language
from .i18n import request_language
from .openapi import Operations, negotiated
from .problems import PROBLEM_BASE, Problem, error_response, problem_response, raises
from .runtime import principal as request_principal
from .runtime import require_role, state

bp = Blueprint("cms", __name__, url_prefix="/api/v1")
operations = Operations(bp)

JSON_LD = "application/ld+json"
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
SCHEMA_JSON = "application/schema+json"
# Items are JSON-LD in the form the Accept header's profile asks for: compacted (with the
# context at /api/v1/context; the default), expanded, or flattened (and compacted).
JSON_LD_PROFILED = {name: f'application/ld+json; profile="{iri}"' for name, iri in core.JSON_LD_PROFILES.items()}
JSON_LD_COMPACTED = JSON_LD_PROFILED["compacted"]
# Representations of an item by media type (the JSON-LD ones first, compacted first: the
# default) and the format and JSON-LD form of each.
ITEM_FORMATS: dict[str, tuple[str, str | None]] = {
    **{media: ("jsonld", name) for name, media in JSON_LD_PROFILED.items()},
    JSON: ("jsonld", "compacted"),
    "text/turtle": ("turtle", None),
    "application/n-triples": ("ntriples", None),
    "application/rdf+xml": ("rdfxml", None),
}
# Request bodies we read, by media type.
BODY_FORMATS = {
    JSON_LD: "jsonld",
    JSON: "jsonld",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/trig": "trig",
    "application/n-triples": "ntriples",
    "application/n-quads": "nquads",
    "application/rdf+xml": "rdfxml",
}
_RESERVED = {"page", "pageSize", "sort", "state", "lang"}
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+$")


# --------------------------------------------------------------------------- helpers


def cms() -> core.Content:
    """The CMS of the application's store (one per store, shared by all requests)."""
    return core.Content.for_store(state().store)


def _role() -> str | None:
    """The role of who asks (``None``: anonymous); wrong credentials are 401, never anonymous."""
    found = request_principal()
    return found.role if found is not None else None


def _writer(role: str = "editor") -> Principal:
    """The principal of a writing request (401 / 403 as for the SPARQL endpoint's writes)."""
    return require_role(role)


def _int_arg(name: str, default: int, *, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Problem(400, f"{name} moet een geheel getal zijn", f"{name} must be an integer",
                      invalidParams=[{"name": name, "reason": "integer"}]) from None
    if not low <= value <= high:
        raise Problem(400, f"{name} moet tussen {low} en {high} liggen", f"{name} must be between {low} and {high}",
                      invalidParams=[{"name": name, "reason": f"{low}..{high}"}])
    return value


_DRY_RUN = {"name": "dryRun", "in": "query", "schema": {"type": "boolean", "default": False},
            "description": ("Controleren, niet opslaan: de wijziging wordt gevalideerd op de opslag met de wijziging "
                            "erin en daarna teruggedraaid; geen revisie, niets zichtbaar. 200 met de waarschuwingen "
                            "(`dryRun`, `valid`, `changed`) of 422 met de bevindingen. / Check, don't save: the change is "
                            "validated on the store with it applied, then rolled back; no revision, nothing visible. "
                            "200 with the warnings or 422 with the findings.")}


def _dry_run() -> bool:
    """``?dryRun=true``: check, don't save (``dry-run`` is read too)."""
    raw = request.args.get("dryRun", request.args.get("dry-run"))
    if raw is None:
        return False
    value = raw.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no", ""):
        return False
    raise Problem(400, "dryRun moet true of false zijn", "dryRun must be true or false",
                  invalidParams=[{"name": "dryRun", "reason": "boolean"}])


def _no_query_parameters() -> None:
    """Refuse a query string on a route that reads none (a key it would silently ignore)."""
    unknown = sorted(set(request.args))
    if unknown:
        raise Problem(400, f"onbekende parameter(s): {', '.join(unknown)}; deze route heeft geen parameters",
                      f"unknown parameter(s): {', '.join(unknown)}; this route takes none",
                      invalidParams=[{"name": k, "reason": "unknown"} for k in unknown])


def ref_for(kind: core.ContentType, iri: str) -> str:
    """The ``{ref}`` of an item URL for an IRI."""
    prefix = f"{MAGID}{kind.segment}/"
    if iri.startswith(prefix) and "/" not in iri[len(prefix):] and iri[len(prefix):]:
        return iri[len(prefix):]
    return "~" + base64.urlsafe_b64encode(iri.encode("utf-8")).decode("ascii").rstrip("=")


def _iri_from_ref(kind: core.ContentType, ref: str) -> str:
    if ref.startswith("~"):
        raw = ref[1:]
        try:
            iri = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            iri = ""
        if not _ABSOLUTE_IRI.match(iri):
            raise Problem(404, f"onbekende verwijzing {ref!r}", f"unknown reference {ref!r}")
        return iri
    return str(cms().iri_for(kind, ref))


def href_for(iri: str, kind: core.ContentType | None = None) -> str | None:
    """The API URL of a resource (``None`` when it is no content)."""
    if kind is None:
        found = cms().resource(iri)
        kind = found.type
        if kind is None:
            return None
    return url_for("cms.item", collection=kind.collection, ref=ref_for(kind, iri), _external=True)


def _etag_header(tag: str | None) -> str | None:
    return f'"{tag}"' if tag else None


def _json(body: Any, status: int = 200, *, mimetype: str = JSON, headers: dict[str, str] | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, indent=2), status=status, mimetype=mimetype)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _body(default: str = "jsonld") -> tuple[Any, str]:
    """The request body and its format, by Content-Type."""
    media = (request.mimetype or "").lower()
    if not request.data:
        raise Problem(400, "het verzoek heeft geen inhoud", "the request has no content")
    if media == MERGE_PATCH:
        media = JSON
    fmt = BODY_FORMATS.get(media)
    if fmt is None:
        if media:
            raise Problem(415, f"mediatype {media} wordt hier niet gelezen", f"media type {media} is not read here",
                          acceptable=sorted(BODY_FORMATS))
        fmt = default
    raw = request.get_data()
    if fmt != "rdfxml":  # JSON and the text formats of RDF are UTF-8 (XML declares its own)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Problem(400, f"de inhoud is geen geldige UTF-8 (byte {exc.start})",
                          f"the content is not valid UTF-8 (byte {exc.start})") from None
    if fmt == "jsonld":
        try:
            return json.loads(text), fmt
        except ValueError as exc:
            raise Problem(400, f"geen geldige JSON: {exc}", f"not valid JSON: {exc}") from None
        except RecursionError:
            raise Problem(400, "het document is te diep genest", "the document is nested too deeply") from None
    return raw, fmt


@raises(core.NotFoundError)
def _collection(collection: str) -> core.ContentType:
    try:
        kind = core.content_type(collection)
    except core.NotFoundError:
        _refuse_if_another_route_has_the_path()
        raise
    if kind.collection != collection:  # /api/v1/responsibility (the type name) is not a collection
        raise core.NotFoundError(f"geen collectie {collection!r}", f"no collection {collection!r}")
    return kind


def _refuse_if_another_route_has_the_path() -> None:
    """``POST /api/v1/questions`` reaches the collection route, but the path is another
    route's (a question list): that is 405 with the methods it has, not an unknown type."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        if method == request.method:
            continue
        try:
            endpoint, _ = adapter.match(method=method)
        except HTTPException:
            continue
        if not endpoint.startswith("cms."):
            allowed.append(method)
    if allowed:
        if "GET" in allowed:
            allowed.append("HEAD")
        raise Problem(405, f"{request.method} kan hier niet; wel: {', '.join(allowed)}",
                      f"{request.method} is not allowed here; allowed: {', '.join(allowed)}",
                      headers={"Allow": ", ".join([*allowed, "OPTIONS"])})


def _write_answer(result: core.WriteResult, kind: core.ContentType | None, *, status: int = 200) -> Response:
    body = result.to_json()  # the caches were renewed by the commit (create_app's listener)
    if not result.deleted:
        body["href"] = href_for(result.iri, kind)
    headers = {}
    if result.etag:
        headers["ETag"] = _etag_header(result.etag)  # type: ignore[assignment]
    if status == 201 and body.get("href"):
        headers["Location"] = body["href"]
    return _json(body, status, headers=headers)


def _item_representation(resource: core.Resource, document: dict[str, Any] | None = None) -> Response:
    media = negotiated()
    fmt, profile = ITEM_FORMATS[media]
    if fmt == "jsonld":
        doc = document if document is not None else core.to_jsonld(resource.iri, resource.triples, resource.type,
                                                                    context_url=_context_url())
        shaped = core.reshape_jsonld(doc, profile or "compacted")
        return Response(json.dumps(shaped, ensure_ascii=False, indent=2).encode("utf-8"), status=200, content_type=media)
    return Response(resource.serialize(fmt), status=200, mimetype=media)


def _context_url() -> str:
    return url_for("cms.context_document", _external=True)


# --------------------------------------------------------------------------- errors


@bp.errorhandler(MagGraphError)
def _core_error(exc: MagGraphError) -> Response:
    """Errors of the CMS core with their own status; the rest as the app answers them."""
    status = getattr(exc, "status", None)
    if status is None:
        return error_response(exc)
    slug = getattr(exc, "slug", None) or {
        403: "forbidden", 404: "not-found", 409: "conflict",
    }.get(status, "invalid-request")
    extensions: dict[str, Any] = {}
    headers: dict[str, str | tuple[str, ...]] = {}
    lang = negotiate_language(request.args.get("lang"), request.headers.get("Accept-Language"))
    if isinstance(exc, core.ValidationFailedError):
        extensions["invalidParams"] = [
            {"name": r["path"] or "", "reason": r["message"].get(lang) or next(iter(r["message"].values()), ""),
             "rule": r["rule"], "focusNode": r["focusNode"],
             **({"sheet": r["sheet"], "row": r["row"]} if "row" in r else {})}
            for r in exc.results
        ]
        extensions["results"] = exc.results
    if isinstance(exc, sheets.SheetError):
        extensions["invalidRows"] = exc.to_json()
    if isinstance(exc, core.InvalidDocumentError) and exc.fields:
        extensions["invalidParams"] = [{"name": f["name"], "reason": f.get(lang) or f.get("nl", "")} for f in exc.fields]
    if isinstance(exc, core.InvalidParameterError):
        extensions["invalidParams"] = [{"name": exc.name, "reason": exc.en if lang == "en" else exc.nl}]
        if exc.allowed is not None:
            extensions["allowed"] = exc.allowed
    if isinstance(exc, core.HasReferrersError):
        extensions["referrers"] = [dict(r, href=href_for(r["id"])) for r in exc.referrers]
    if isinstance(exc, core.PreconditionFailedError) and exc.current_etag:
        extensions["currentEtag"] = _etag_header(exc.current_etag)
    extensions.update(getattr(exc, "extensions", None) or {})  # e.g. the working copy a write collided with
    if isinstance(extensions.get("workingCopy"), dict):  # where to fetch it
        extensions["workingCopy"] = dict(extensions["workingCopy"], href=request.path.split("/working-copy")[0] + "/working-copy")
    if isinstance(exc, (UnknownRevisionError, workflow.UnknownTransitionError)):
        slug = "not-found"
    return problem_response(status, str(exc), type=PROBLEM_BASE + slug, headers=headers, **extensions)


# --------------------------------------------------------------------------- route declarations

_COLLECTION = {"name": "collection", "in": "path", "required": True, "schema": {"type": "string"},
               "description": "Collection of a content type (see /types), e.g. responsibilities."}
_REF = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "Last segment of the IRI (or ~ and its base64url form); use the href of listings."}
_IF_MATCH = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
             "description": ("The ETag of the version this change is based on (an editor's change of adopted "
                             "content with a pending working copy: the copy's ETag, from /working-copy)")}
_PAGE = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
         {"name": "pageSize", "in": "query", "schema": {"type": "integer", "minimum": 1}}]
_DOCUMENT_BODY = {"required": True, "content": {JSON_LD: {"schema": {"$ref": "#/components/schemas/Document"}},
                                                "text/turtle": {"schema": {"type": "string"}}}}
_WRITE_RESULT = {"$ref": "#/components/schemas/WriteResult"}
_KEPT_AS_WORKING_COPY = {"description": ("Vastgestelde inhoud, gewijzigd door een redacteur: bewaard als werkkopie tot een "
                                         "beoordelaar haar vaststelt. / Adopted content changed by an editor: kept as its "
                                         "working copy until a reviewer adopts it.")}
_ITEM_MEDIA_TYPES = tuple(ITEM_FORMATS)
# Errors of the core that escape the views (the helpers the views call are read for the rest).
_WRITE_ERRORS = (core.InvalidDocumentError, core.AlreadyExistsError, core.ValidationFailedError, workflow.StateConflictError,
                 WriteTimeoutError)
_CHANGE_ERRORS = (*_WRITE_ERRORS, core.NotFoundError, core.PreconditionFailedError, core.PreconditionRequiredError,
                  WorkingCopyPendingError)


# --------------------------------------------------------------------------- vocabulary


@operations.route("/context", id="getContext", tags=["cms"],
                  summary="De JSON-LD-context van elk document / the JSON-LD context of every document",
                  description=("De context die elk item van de CMS-API gebruikt (`@context`); de termen zijn beschermd "
                               "(`@protected`). Het oude pad /api/v1/context.jsonld verwijst hierheen (308). / "
                               "The context every item of the CMS API uses; its terms are protected. The old path "
                               "/api/v1/context.jsonld redirects here (308)."),
                  responses={200: {"description": "JSON-LD context"}}, produces=(JSON_LD,))
def context_document() -> Response:
    response = _json(core.context_document(), mimetype=JSON_LD)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


operations.redirect("/context.jsonld", "context_document")  # the context's first address


@operations.route("/types", id="listTypes", tags=["cms"], summary="Inhoudstypen / content types",
                  description=("Elk inhoudstype met zijn collectie, klasse en de links naar zijn JSON Schema en "
                               "collectie; labels in de gevraagde taal. / Every content type with its collection, "
                               "class and the links to its JSON Schema and collection; labels in the language asked for."),
                  responses={200: {"description": "The content types"}}, produces=(JSON,))
def types() -> Response:
    lang = request_language(strict=True)
    items = []
    for entry in core.types_overview(lang=lang):
        entry = dict(entry)
        entry["href"] = url_for("cms.type_schema", name=entry["name"], _external=True)
        entry["collectionHref"] = url_for("cms.collection", collection=entry["collection"].rsplit("/", 1)[-1], _external=True)
        items.append(entry)
    response = _json({"types": items})
    return response


@operations.route("/types/<name>", id="getTypeSchema", tags=["cms"], summary="JSON Schema van een inhoudstype / JSON Schema of a content type",
                  description=("Het JSON Schema van de documenten van een type, gemaakt uit de SHACL-shapes "
                               "(verplichte velden, waardelijsten, kardinaliteit). / The JSON Schema of a type's "
                               "documents, made from the SHACL shapes (required fields, value lists, cardinality)."),
                  responses={200: {"description": "JSON Schema"}}, produces=(SCHEMA_JSON,), raises=(core.NotFoundError,))
def type_schema(name: str) -> Response:
    kind = core.content_type(name)
    schema = core.json_schema(kind, lang=request_language(strict=True))
    schema["$id"] = url_for("cms.type_schema", name=kind.name, _external=True)
    response = _json(schema, mimetype=SCHEMA_JSON)
    return response


# --------------------------------------------------------------------------- search and imports


@operations.route("/search", id="search", tags=["cms"],
                  summary="Zoeken in labels en beschrijvingen / full-text search over labels and descriptions",
                  description=("Zoekt in labels en beschrijvingen (FTS5), best passend eerst, met filters op type en "
                               "gemeente; anonieme bezoekers en lezers zien alleen vastgestelde inhoud. / Searches "
                               "labels and descriptions, best match first, filtered by type and municipality; "
                               "anonymous callers and readers see adopted content only."),
                  parameters=[{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                              {"name": "type", "in": "query", "schema": {"type": "string"}},
                              {"name": "municipality", "in": "query", "schema": {"type": "string"}}, *_PAGE],
                  responses={200: {"description": "Ranked results"}}, produces=(JSON,))
def search() -> Response:
    q = request.args.get("q", "")
    if not q.strip():
        raise Problem(400, "geef een zoekvraag mee in q", "give a search query in q",
                      invalidParams=[{"name": "q", "reason": "required"}])
    page = _int_arg("page", 1, low=1, high=10_000)
    size = _int_arg("pageSize", 20, low=1, high=100)
    lang = request_language(strict=True)
    found = cms().search_text(q, role=_role(), ctype=request.args.get("type"),
                              municipality=request.args.get("municipality"),
                              limit=size, offset=(page - 1) * size, lang=lang)
    for item in found["items"]:
        kind = core.content_type(item["type"])
        item["href"] = url_for("cms.item", collection=kind.collection, ref=ref_for(kind, item["id"]), _external=True)
    body = {"query": q, "items": found["items"], "total": found["total"], "page": page, "pageSize": size}
    response = _json(body)
    response.vary.add("Authorization")
    return response


@operations.route("/imports", "POST", id="importDocument", tags=["cms"],
                  summary="Veel bronnen tegelijk aanmaken of vervangen / create or replace many resources (RDF, or a role-matrix spreadsheet)",
                  description=("Een Turtle-, TriG- of JSON-LD-document of een rolmatrix als XLSX/CSV met meer bronnen, gevalideerd en vastgelegd als "
                               "één revisie: alles of niets (redacteuren en beheerders). / A Turtle, TriG or JSON-LD "
                               "document, or a role-matrix XLSX/CSV, with several resources, validated and recorded as one revision: all or "
                               "nothing (editors and admins)."),
                  request_body={"required": True, "content": {m: {"schema": {"type": "string"}} for m in
                                                              ("text/turtle", "application/trig", JSON_LD)}
                                | {m: {"schema": {"type": "string", "format": "binary"}} for m in sheets.MEDIA_TYPES}},
                  responses={200: {"description": "Replaced or unchanged"}, 201: {"description": "Created"}},
                  produces=(JSON,), raises=(*_WRITE_ERRORS, sheets.SheetError))
def imports() -> Response:
    principal = _writer("editor")
    if (request.mimetype or "").lower() in sheets.MEDIA_TYPES:
        return _import_sheet(principal)
    data, fmt = _body()
    result = cms().import_document(data, format=fmt, agent=principal.name, role=principal.role, lang=request_language(strict=True))
    body = result.to_json()
    body["hrefs"] = {iri: href_for(iri) for iri in [*result.created, *result.replaced, *result.unchanged]}
    return _json(body, 201 if result.created else 200)


def _import_sheet(principal: Principal) -> Response:
    """A role-matrix spreadsheet (XLSX or CSV) imported as one revision; each
    responsibility in the answer carries its sheet and row (``rows``)."""
    if not request.data:
        raise Problem(400, "het verzoek heeft geen inhoud", "the request has no content")
    outcome = sheets.import_sheet(cms(), request.get_data(), request.mimetype.lower(), agent=principal.name,
                                  role=principal.role, lang=request_language(strict=True), name="csv")
    result = outcome.result
    body = outcome.to_json()
    body["hrefs"] = {iri: href_for(iri) for iri in [*result.created, *result.replaced, *result.unchanged]}
    return _json(body, 201 if result.created else 200)


# --------------------------------------------------------------------------- collections


@operations.route("/<collection>", id="listItems", tags=["cms"],
                  summary="Een collectie opsommen / list a collection",
                  description=("De items van een inhoudstype per pagina, te filteren op elke eigenschap (`?key=waarde`) "
                               "en te sorteren (`sort=key`, `-key` aflopend), met links naar de andere pagina's. / A "
                               "content type's items by page, filtered by any property key and sorted, with links to "
                               "the other pages."),
                  parameters=[_COLLECTION, *_PAGE,
                              {"name": "sort", "in": "query", "schema": {"type": "string"}, "description": "a key; -key descending"},
                              {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(workflow.STATES)}}],
                  responses={200: {"description": "A page"}}, produces=(JSON,),
                  raises=(core.InvalidParameterError, QueryTimeoutError))
def collection(collection: str) -> Response:
    kind = _collection(collection)
    page = _int_arg("page", 1, low=1, high=1_000_000)
    size = _int_arg("pageSize", 20, low=1, high=200)
    filters = {key: request.args.getlist(key) for key in request.args if key not in _RESERVED}
    found = cms().list(kind, role=_role(), page=page, page_size=size, filters=filters,
                       sort=request.args.get("sort"), state=request.args.get("state"), lang=request_language(strict=True))
    for item in found.items:
        item["href"] = url_for("cms.item", collection=kind.collection, ref=ref_for(kind, item["id"]), _external=True)
    body = found.to_json()
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]

    def link(number: int) -> dict[str, str]:
        return {"href": url_for("cms.collection", collection=kind.collection, page=number, **_multi(args), _external=True)}

    links = {"self": link(page), "first": link(1), "last": link(found.pages)}
    if page > 1:
        links["prev"] = link(page - 1)
    if page < found.pages:
        links["next"] = link(page + 1)
    body["_links"] = links
    response = _json(body)
    response.vary.add("Authorization")
    return response


def _multi(args: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in args:
        out.setdefault(key, []).append(value)
    return out


@operations.route("/<collection>", "POST", id="createItem", tags=["cms"],
                  summary="Een bron aanmaken / create a resource",
                  description=("Maakt een bron aan als concept; de IRI wordt gemunt tenzij het document een `id` heeft. "
                               "Het document wordt gevalideerd tegen de regels (422 met de bevindingen). / Creates a "
                               "resource as a concept; the IRI is minted unless the document has an id. The document "
                               "is validated against the rules (422 with the findings)."),
                  parameters=[_COLLECTION, _DRY_RUN], request_body=_DOCUMENT_BODY, etag=True,
                  responses={201: {"description": "What the write did"},
                             200: {"description": "dryRun: the change would be valid (nothing stored)"}},
                  produces=(JSON,), schema=_WRITE_RESULT, raises=_WRITE_ERRORS)
def create(collection: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    dry_run = _dry_run()
    data, fmt = _body()
    result = cms().create(kind, data, agent=principal.name, role=principal.role, format=fmt,
                          lang=request_language(strict=True), dry_run=dry_run)
    return _write_answer(result, kind, status=200 if dry_run else 201)


# --------------------------------------------------------------------------- items


@operations.route("/<collection>/<ref>", id="getItem", tags=["cms"],
                  summary="Een bron opvragen / a resource",
                  description=("De bron als JSON-LD (compact, uitgebreid of afgevlakt naar het `profile` in Accept), "
                               "Turtle, N-Triples of RDF/XML, met haar ETag en workflowstatus. / The resource as JSON-LD "
                               "(compacted, expanded or flattened by the Accept profile), Turtle, N-Triples or RDF/XML, "
                               "with its ETag and workflow state."),
                  parameters=[_COLLECTION, _REF], etag=True,
                  responses={200: {"description": "The resource"}, 304: {"description": "Not modified"}},
                  produces=_ITEM_MEDIA_TYPES, raises=(core.NotFoundError,))
def item(collection: str, ref: str) -> Response:
    kind = _collection(collection)
    _no_query_parameters()
    iri = _iri_from_ref(kind, ref)
    resource = cms().get(iri, role=_role(), ctype=kind)
    etag = resource.etag
    if request.if_none_match and request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = _item_representation(resource)
    response.headers["ETag"] = _etag_header(etag)  # type: ignore[assignment]
    response.headers["X-Workflow-State"] = resource.state or ""
    response.vary.add("Authorization")
    return response


@operations.route("/<collection>/<ref>", "PUT", id="replaceItem", tags=["cms"],
                  summary="Een bron vervangen / replace a resource",
                  description=("Vervangt de hele beschrijving van een bron; `If-Match` met de ETag is verplicht. / "
                               "Replaces a resource's whole description; If-Match with the ETag is required."),
                  parameters=[_COLLECTION, _REF, _IF_MATCH, _DRY_RUN], request_body=_DOCUMENT_BODY, etag=True,
                  responses={200: {"description": "What the write did"}, 202: _KEPT_AS_WORKING_COPY},
                  produces=(JSON,), schema=_WRITE_RESULT, raises=_CHANGE_ERRORS)
def replace(collection: str, ref: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    dry_run = _dry_run()
    data, fmt = _body()
    result = cms().replace(iri, data, agent=principal.name, role=principal.role, format=fmt,
                           if_match=request.headers.get("If-Match"), ctype=kind, lang=request_language(strict=True),
                           dry_run=dry_run)
    return _write_answer(result, kind, status=_change_status(result))


@operations.route("/<collection>/<ref>", "PATCH", id="patchItem", tags=["cms"],
                  summary="Eigenschappen wijzigen / change some properties",
                  description=("JSON Merge Patch (RFC 7396) op het JSON-LD-document van de bron; `If-Match` is "
                               "verplicht. / A JSON Merge Patch on the resource's JSON-LD document; If-Match is required."),
                  parameters=[_COLLECTION, _REF, _IF_MATCH, _DRY_RUN],
                  request_body={"required": True, "content": {MERGE_PATCH: {"schema": {"type": "object"}}}}, etag=True,
                  responses={200: {"description": "What the write did"}, 202: _KEPT_AS_WORKING_COPY},
                  produces=(JSON,), schema=_WRITE_RESULT, raises=_CHANGE_ERRORS)
def patch(collection: str, ref: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    if (request.mimetype or "").lower() not in (MERGE_PATCH, JSON, JSON_LD):
        raise Problem(415, f"PATCH leest {MERGE_PATCH}", f"PATCH reads {MERGE_PATCH}", acceptable=[MERGE_PATCH])
    dry_run = _dry_run()
    data, _ = _body()
    result = cms().patch(iri, data, agent=principal.name, role=principal.role,
                         if_match=request.headers.get("If-Match"), ctype=kind, lang=request_language(strict=True),
                         dry_run=dry_run)
    return _write_answer(result, kind, status=_change_status(result))


def _change_status(result: core.WriteResult) -> int:
    """202 when an editor's change of adopted content was kept as its working copy (it
    waits for a reviewer); 200 otherwise."""
    return 202 if result.working_copy is not None and not result.dry_run else 200


@operations.route("/<collection>/<ref>", "DELETE", id="deleteItem", tags=["cms"],
                  summary="Een bron verwijderen / delete a resource",
                  description=("Verwijdert een bron; 409 met de bronnen die ernaar verwijzen, tenzij een beheerder "
                               "`force=true` meegeeft. / Deletes a resource; 409 with the resources that refer to it "
                               "unless an admin gives force=true."),
                  parameters=[_COLLECTION, _REF, _IF_MATCH, {"name": "force", "in": "query", "schema": {"type": "boolean"}}],
                  responses={204: {"description": "Deleted"}}, raises=(*_CHANGE_ERRORS, core.HasReferrersError))
def delete(collection: str, ref: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    force = request.args.get("force", "false").lower() in ("true", "1", "yes")
    result = cms().delete(iri, agent=principal.name, role=principal.role, if_match=request.headers.get("If-Match"),
                          force=force, ctype=kind, lang=request_language(strict=True))
    response = Response(status=204)
    response.headers["X-Revision"] = result.revision or ""
    return response


# --------------------------------------------------------------------------- history and workflow


@operations.route("/<collection>/<ref>/history", id="listRevisions", tags=["cms"],
                  summary="Revisies van een bron / revisions of a resource",
                  description=("De revisies van een bron, nieuwste eerst (PROV-O), voor redacteuren en beheerders. / "
                               "A resource's revisions, newest first, for editors and admins."),
                  parameters=[_COLLECTION, _REF],
                  responses={200: {"description": "Revisions"}}, produces=(JSON,), raises=(core.NotFoundError,))
def history_list(collection: str, ref: str) -> Response:
    kind = _collection(collection)
    _no_query_parameters()
    iri = _iri_from_ref(kind, ref)
    revisions = cms().history(iri, role=_role())
    items = []
    for revision in revisions:
        entry = revision.to_json()
        entry["href"] = url_for("cms.history_item", collection=kind.collection, ref=ref, rev=revision.id, _external=True)
        items.append(entry)
    return _json({"id": iri, "revisions": items})


@operations.route("/<collection>/<ref>/history/<rev>", id="getRevision", tags=["cms"],
                  summary="Een bron zoals na een revisie / a resource as of a revision",
                  description=("De bron zoals zij was direct na een revisie, in dezelfde formaten als de bron zelf. / "
                               "The resource as it was right after a revision, in the formats of the resource itself."),
                  parameters=[_COLLECTION, _REF],
                  responses={200: {"description": "The resource"}}, produces=_ITEM_MEDIA_TYPES,
                  raises=(core.NotFoundError, UnknownRevisionError))
def history_item(collection: str, ref: str, rev: str) -> Response:
    kind = _collection(collection)
    _no_query_parameters()
    iri = _iri_from_ref(kind, ref)
    resource = cms().as_of(iri, rev, role=_role())
    response = _item_representation(resource)
    response.headers["X-Workflow-State"] = resource.state or ""
    return response


@operations.route("/<collection>/<ref>/history/<rev>/revert", "POST", id="revertRevision", tags=["cms"],
                  summary="Een revisie terugzetten / restore a revision",
                  description=("Zet de bron terug naar een revisie, als gevalideerde en vastgelegde wijziging. / "
                               "Restores the resource to a revision, as a validated and recorded write."),
                  parameters=[_COLLECTION, _REF],
                  responses={200: {"description": "What the write did"}}, produces=(JSON,), schema=_WRITE_RESULT,
                  raises=(*_CHANGE_ERRORS, UnknownRevisionError))
def revert(collection: str, ref: str, rev: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    result = cms().revert(iri, rev, agent=principal.name, role=principal.role,
                          if_match=request.headers.get("If-Match"), lang=request_language(strict=True))
    return _write_answer(result, kind)


@operations.route("/<collection>/<ref>/workflow/<transition>", "POST", id="transition", tags=["cms"],
                  summary="Workflowstap / workflow step",
                  description=("Vaststellen, archiveren of heropenen (adopt, archive, reopen): verplaatst de bron tussen "
                               "concept, vastgesteld en gearchiveerd. / Moves the resource between concept, adopted and "
                               "archived."),
                  parameters=[_COLLECTION, _REF,
                              {"name": "transition", "in": "path", "required": True,
                               "schema": {"type": "string", "enum": ["vaststellen", "archiveren", "heropenen",
                                                                     "adopt", "archive", "reopen"]}}],
                  responses={200: {"description": "What the write did"}}, produces=(JSON,), schema=_WRITE_RESULT,
                  raises=(*_CHANGE_ERRORS, workflow.UnknownTransitionError))
def transition(collection: str, ref: str, transition: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    result = cms().transition(iri, transition, agent=principal.name, role=principal.role,
                              if_match=request.headers.get("If-Match"), ctype=kind, lang=request_language(strict=True),
                              require_match=True)
    return _write_answer(result, kind)


# --------------------------------------------------------------------------- OpenAPI


operations.schemas.update({
    "Document": {"type": "object", "description": "Compact JSON-LD with the context at /api/v1/context; "
                                                  "the schema per type is at /api/v1/types/{type}",
                 "properties": {"@context": {"type": "string"}, "id": {"type": "string", "format": "iri"},
                                "type": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}},
    "WriteResult": {"type": "object", "properties": {
        "id": {"type": "string", "format": "iri"}, "href": {"type": "string", "format": "uri"},
        "etag": {"type": "string", "nullable": True},
        "state": {"type": "string", "nullable": True, "enum": [*workflow.STATES, None]},
        "revision": {"type": "string", "nullable": True}, "created": {"type": "boolean"}, "deleted": {"type": "boolean"},
        "warnings": {"type": "array", "items": {"type": "object"}},
        "dryRun": {"type": "boolean", "description": "present and true when nothing was stored (?dryRun=true)"},
        "valid": {"type": "boolean", "description": "a dry run: the change passes the rules"},
        "changed": {"type": "object", "description": "a dry run: statements it would add and remove",
                    "properties": {"added": {"type": "integer"}, "removed": {"type": "integer"}}}}},
})


def openapi_paths() -> dict[str, Any]:
    """The CMS routes for the OpenAPI document (``paths`` relative to ``/api/v1`` and the
    ``schemas`` they use), made from the route declarations above (:mod:`.openapi`)."""
    return {"paths": operations.paths(), "schemas": dict(operations.schemas)}


__all__ = ["bp", "href_for", "openapi_paths", "operations", "ref_for"]
