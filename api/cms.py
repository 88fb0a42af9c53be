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

    GET    /api/v1/context.jsonld
    GET    /api/v1/types                  GET /api/v1/types/{type}
    GET    /api/v1/search?q=&type=&municipality=&page=&pageSize=
    POST   /api/v1/imports                (Turtle, TriG, JSON-LD; all or nothing)
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

from mag_graph.cms import content as core
from mag_graph.cms import workflow
from mag_graph.access.auth import Principal
from mag_graph.cms.history import UnknownRevisionError
from mag_graph.namespaces import MAGID
from mag_graph.store import MagGraphError

from . import principal as request_principal
from . import state
from .problems import PROBLEM_BASE, Problem, problem_response
from .sparql import require_role

bp = Blueprint("cms", __name__, url_prefix="/api/v1")

JSON_LD = "application/ld+json"
JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
SCHEMA_JSON = "application/schema+json"
# Representations of an item by media type (the JSON-LD ones first: the default).
ITEM_FORMATS = {
    JSON_LD: "jsonld",
    JSON: "jsonld",
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
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


def _lang() -> str:
    value = request.args.get("lang")
    if value is None:
        return request.accept_languages.best_match(("nl", "en")) or "nl"
    value = value.strip().lower()
    if value not in ("nl", "en"):
        raise Problem(400, f"onbekende taal {value!r} (nl of en)", f"unknown language {value!r} (nl or en)",
                      invalidParams=[{"name": "lang", "reason": "nl | en"}])
    return value


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
    if fmt == "jsonld":
        try:
            return json.loads(request.get_data(as_text=True)), fmt
        except ValueError as exc:
            raise Problem(400, f"geen geldige JSON: {exc}", f"not valid JSON: {exc}") from None
    return request.get_data(), fmt


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
    offers = list(ITEM_FORMATS)
    best = request.accept_mimetypes.best_match(offers) if request.headers.get("Accept", "").strip() else JSON_LD
    if best is None:
        raise Problem(406, "geen van de gevraagde mediatypes is beschikbaar", "none of the requested media types is available",
                      acceptable=offers)
    fmt = ITEM_FORMATS[best]
    if fmt == "jsonld":
        doc = document if document is not None else core.to_jsonld(resource.iri, resource.triples, resource.type,
                                                                    context_url=_context_url())
        data = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
        mimetype = best
    else:
        data = resource.serialize(fmt)
        mimetype = best
    response = Response(data, status=200, mimetype=mimetype)
    response.vary.add("Accept")
    return response


def _context_url() -> str:
    return url_for("cms.context_document", _external=True)


# --------------------------------------------------------------------------- errors


@bp.errorhandler(MagGraphError)
def _core_error(exc: MagGraphError) -> Response:
    """Errors of the CMS core with their own status; the rest as the app answers them."""
    status = getattr(exc, "status", None)
    if status is None:
        from .problems import _status_of

        status, kind = _status_of(exc)
        return problem_response(status, str(exc), type=kind)
    slug = getattr(exc, "slug", None) or {
        403: "forbidden", 404: "not-found", 409: "conflict",
    }.get(status, "invalid-request")
    extensions: dict[str, Any] = {}
    headers: dict[str, str | tuple[str, ...]] = {}
    lang = request.accept_languages.best_match(("nl", "en")) or "nl"
    if isinstance(exc, core.ValidationFailedError):
        extensions["invalidParams"] = [
            {"name": r["path"] or "", "reason": r["message"].get(lang) or next(iter(r["message"].values()), ""),
             "rule": r["rule"], "focusNode": r["focusNode"]}
            for r in exc.results
        ]
        extensions["results"] = exc.results
    if isinstance(exc, core.HasReferrersError):
        extensions["referrers"] = [dict(r, href=href_for(r["id"])) for r in exc.referrers]
    if isinstance(exc, core.PreconditionFailedError) and exc.current_etag:
        extensions["currentEtag"] = _etag_header(exc.current_etag)
    if isinstance(exc, (UnknownRevisionError, workflow.UnknownTransitionError)):
        slug = "not-found"
    return problem_response(status, str(exc), type=PROBLEM_BASE + slug, headers=headers, **extensions)


# --------------------------------------------------------------------------- vocabulary


@bp.get("/context.jsonld")
def context_document() -> Response:
    response = _json(core.context_document(), mimetype=JSON_LD)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/types")
def types() -> Response:
    lang = _lang()
    items = []
    for entry in core.types_overview(lang=lang):
        entry = dict(entry)
        entry["href"] = url_for("cms.type_schema", name=entry["name"], _external=True)
        entry["collectionHref"] = url_for("cms.collection", collection=entry["collection"].rsplit("/", 1)[-1], _external=True)
        items.append(entry)
    response = _json({"types": items})
    response.vary.add("Accept-Language")
    return response


@bp.get("/types/<name>")
def type_schema(name: str) -> Response:
    kind = core.content_type(name)
    schema = core.json_schema(kind, lang=_lang())
    schema["$id"] = url_for("cms.type_schema", name=kind.name, _external=True)
    response = _json(schema, mimetype=SCHEMA_JSON)
    response.vary.add("Accept-Language")
    return response


# --------------------------------------------------------------------------- search and imports


@bp.get("/search")
def search() -> Response:
    q = request.args.get("q", "")
    if not q.strip():
        raise Problem(400, "geef een zoekvraag mee in q", "give a search query in q",
                      invalidParams=[{"name": "q", "reason": "required"}])
    page = _int_arg("page", 1, low=1, high=10_000)
    size = _int_arg("pageSize", 20, low=1, high=100)
    lang = _lang()
    found = cms().search_text(q, role=_role(), ctype=request.args.get("type"),
                              municipality=request.args.get("municipality"),
                              limit=size, offset=(page - 1) * size, lang=lang)
    for item in found["items"]:
        kind = core.content_type(item["type"])
        item["href"] = url_for("cms.item", collection=kind.collection, ref=ref_for(kind, item["id"]), _external=True)
    body = {"query": q, "items": found["items"], "total": found["total"], "page": page, "pageSize": size}
    response = _json(body)
    response.vary.add("Accept-Language")
    response.vary.add("Authorization")
    return response


@bp.post("/imports")
def imports() -> Response:
    principal = _writer("editor")
    data, fmt = _body()
    result = cms().import_document(data, format=fmt, agent=principal.name, role=principal.role, lang=_lang())
    body = result.to_json()
    body["hrefs"] = {iri: href_for(iri) for iri in [*result.created, *result.replaced, *result.unchanged]}
    return _json(body, 201 if result.created else 200)


# --------------------------------------------------------------------------- collections


@bp.get("/<collection>")
def collection(collection: str) -> Response:
    kind = _collection(collection)
    page = _int_arg("page", 1, low=1, high=1_000_000)
    size = _int_arg("pageSize", 20, low=1, high=200)
    filters = {key: request.args.getlist(key) for key in request.args if key not in _RESERVED}
    found = cms().list(kind, role=_role(), page=page, page_size=size, filters=filters,
                       sort=request.args.get("sort"), state=request.args.get("state"), lang=_lang())
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
    response.vary.add("Accept-Language")
    return response


def _multi(args: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in args:
        out.setdefault(key, []).append(value)
    return out


@bp.post("/<collection>")
def create(collection: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    data, fmt = _body()
    result = cms().create(kind, data, agent=principal.name, role=principal.role, format=fmt, lang=_lang())
    return _write_answer(result, kind, status=201)


# --------------------------------------------------------------------------- items


@bp.route("/<collection>/<ref>", methods=["GET", "HEAD"])
def item(collection: str, ref: str) -> Response:
    kind = _collection(collection)
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


@bp.put("/<collection>/<ref>")
def replace(collection: str, ref: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    data, fmt = _body()
    result = cms().replace(iri, data, agent=principal.name, role=principal.role, format=fmt,
                           if_match=request.headers.get("If-Match"), ctype=kind, lang=_lang())
    return _write_answer(result, kind)


@bp.patch("/<collection>/<ref>")
def patch(collection: str, ref: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    if (request.mimetype or "").lower() not in (MERGE_PATCH, JSON, JSON_LD):
        raise Problem(415, f"PATCH leest {MERGE_PATCH}", f"PATCH reads {MERGE_PATCH}", acceptable=[MERGE_PATCH])
    data, _ = _body()
    result = cms().patch(iri, data, agent=principal.name, role=principal.role,
                         if_match=request.headers.get("If-Match"), ctype=kind, lang=_lang())
    return _write_answer(result, kind)


@bp.delete("/<collection>/<ref>")
def delete(collection: str, ref: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    force = request.args.get("force", "false").lower() in ("true", "1", "yes")
    result = cms().delete(iri, agent=principal.name, role=principal.role, if_match=request.headers.get("If-Match"),
                          force=force, ctype=kind, lang=_lang())
    response = Response(status=204)
    response.headers["X-Revision"] = result.revision or ""
    return response


# --------------------------------------------------------------------------- history and workflow


@bp.get("/<collection>/<ref>/history")
def history_list(collection: str, ref: str) -> Response:
    kind = _collection(collection)
    iri = _iri_from_ref(kind, ref)
    revisions = cms().history(iri, role=_role())
    items = []
    for revision in revisions:
        entry = revision.to_json()
        entry["href"] = url_for("cms.history_item", collection=kind.collection, ref=ref, rev=revision.id, _external=True)
        items.append(entry)
    return _json({"id": iri, "revisions": items})


@bp.get("/<collection>/<ref>/history/<rev>")
def history_item(collection: str, ref: str, rev: str) -> Response:
    kind = _collection(collection)
    iri = _iri_from_ref(kind, ref)
    resource = cms().as_of(iri, rev, role=_role())
    response = _item_representation(resource)
    response.headers["X-Workflow-State"] = resource.state or ""
    return response


@bp.post("/<collection>/<ref>/history/<rev>/revert")
def revert(collection: str, ref: str, rev: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    result = cms().revert(iri, rev, agent=principal.name, role=principal.role,
                          if_match=request.headers.get("If-Match"), lang=_lang())
    return _write_answer(result, kind)


@bp.post("/<collection>/<ref>/workflow/<transition>")
def transition(collection: str, ref: str, transition: str) -> Response:
    kind = _collection(collection)
    principal = _writer("editor")
    iri = _iri_from_ref(kind, ref)
    result = cms().transition(iri, transition, agent=principal.name, role=principal.role,
                              if_match=request.headers.get("If-Match"), ctype=kind, lang=_lang())
    return _write_answer(result, kind)


# --------------------------------------------------------------------------- OpenAPI


def openapi_paths() -> dict[str, Any]:
    """The CMS routes for the OpenAPI document (``paths`` relative to ``/api/v1`` and the
    ``schemas`` they use), for ``api/v1.openapi_document`` to merge in. Errors refer to
    ``#/components/schemas/Problem``, which that document defines."""
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}

    def errors(*codes: int) -> dict[str, Any]:
        texts = {400: "Bad request", 401: "No or wrong credentials", 403: "Role too low", 404: "Not found or not visible",
                 406: "Not acceptable", 409: "Conflict (referrers, state, exists)", 412: "ETag does not match",
                 415: "Unsupported media type", 422: "Violations of the rules; nothing was stored",
                 428: "If-Match required"}
        return {str(c): {"description": texts[c], "content": problem} for c in codes}

    def ok(description: str, schema: str, media: str = JSON) -> dict[str, Any]:
        return {"description": description, "content": {media: {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}

    collection = {"name": "collection", "in": "path", "required": True, "schema": {"type": "string"},
                  "description": "Collection of a content type (see /types), e.g. responsibilities."}
    ref = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "Last segment of the IRI (or ~ and its base64url form); use the href of listings."}
    rev = {"name": "rev", "in": "path", "required": True, "schema": {"type": "string"}}
    if_match = {"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"}}
    lang = {"name": "lang", "in": "query", "schema": {"type": "string", "enum": ["nl", "en"]}}
    document_body = {"required": True, "content": {JSON_LD: {"schema": {"$ref": "#/components/schemas/Document"}},
                                                   "text/turtle": {"schema": {"type": "string"}}}}
    write = ok("What the write did", "WriteResult")
    paths: dict[str, Any] = {
        "/context.jsonld": {"get": {"summary": "The JSON-LD context of every document", "tags": ["cms"],
                                    "responses": {"200": {"description": "JSON-LD context", "content": {JSON_LD: {}}}}}},
        "/types": {"get": {"summary": "Content types", "tags": ["cms"], "parameters": [lang],
                           "responses": {"200": {"description": "The content types", "content": {JSON: {}}}}}},
        "/types/{name}": {"get": {"summary": "JSON Schema of a content type, from the shapes", "tags": ["cms"],
                                  "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}, lang],
                                  "responses": {"200": {"description": "JSON Schema", "content": {SCHEMA_JSON: {}}}, **errors(404)}}},
        "/search": {"get": {"summary": "Full-text search over labels and descriptions (adopted content for anonymous callers)",
                            "tags": ["cms"],
                            "parameters": [{"name": n, "in": "query", "schema": {"type": t}, "required": n == "q"}
                                           for n, t in (("q", "string"), ("type", "string"), ("municipality", "string"),
                                                        ("page", "integer"), ("pageSize", "integer"))] + [lang],
                            "responses": {"200": {"description": "Ranked results", "content": {JSON: {}}}, **errors(400)}}},
        "/imports": {"post": {"summary": "Create or replace many resources in one validated revision", "tags": ["cms"],
                              "requestBody": {"required": True, "content": {m: {"schema": {"type": "string"}} for m in
                                                                           ("text/turtle", "application/trig", JSON_LD)}},
                              "responses": {"200": {"description": "Replaced or unchanged"}, "201": {"description": "Created"},
                                            **errors(400, 401, 403, 415, 422)}}},
        "/{collection}": {
            "get": {"summary": "List a collection (paging, filters by property key, sorting)", "tags": ["cms"],
                    "parameters": [collection, {"name": "page", "in": "query", "schema": {"type": "integer"}},
                                   {"name": "pageSize", "in": "query", "schema": {"type": "integer"}},
                                   {"name": "sort", "in": "query", "schema": {"type": "string"}, "description": "a key; -key descending"},
                                   {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(workflow.STATES)}}, lang],
                    "responses": {"200": {"description": "A page", "content": {JSON: {}}}, **errors(400, 404)}},
            "post": {"summary": "Create a resource (a concept; the IRI is minted unless the document has an id)", "tags": ["cms"],
                     "parameters": [collection, lang], "requestBody": document_body,
                     "responses": {"201": write, **errors(400, 401, 403, 404, 409, 415, 422)}},
        },
        "/{collection}/{ref}": {
            "get": {"summary": "A resource as JSON-LD (or Turtle, N-Triples, RDF/XML by Accept), with its ETag", "tags": ["cms"],
                    "parameters": [collection, ref],
                    "responses": {"200": {"description": "The resource", "content": {m: {} for m in ITEM_FORMATS}},
                                  "304": {"description": "Not modified"}, **errors(404, 406)}},
            "put": {"summary": "Replace a resource", "tags": ["cms"], "parameters": [collection, ref, if_match, lang],
                    "requestBody": document_body, "responses": {"200": write, **errors(400, 401, 403, 404, 409, 412, 415, 422, 428)}},
            "patch": {"summary": "Change some properties (JSON Merge Patch on the document)", "tags": ["cms"],
                      "parameters": [collection, ref, if_match, lang],
                      "requestBody": {"required": True, "content": {MERGE_PATCH: {"schema": {"type": "object"}}}},
                      "responses": {"200": write, **errors(400, 401, 403, 404, 409, 412, 415, 422, 428)}},
            "delete": {"summary": "Delete a resource (409 with the referrers unless force=true by an admin)", "tags": ["cms"],
                       "parameters": [collection, ref, if_match, {"name": "force", "in": "query", "schema": {"type": "boolean"}}],
                       "responses": {"204": {"description": "Deleted"}, **errors(401, 403, 404, 409, 412, 422, 428)}},
        },
        "/{collection}/{ref}/history": {"get": {"summary": "Revisions of a resource, newest first (editors and up)",
                                                "tags": ["cms"], "parameters": [collection, ref],
                                                "responses": {"200": {"description": "Revisions", "content": {JSON: {}}}, **errors(404)}}},
        "/{collection}/{ref}/history/{rev}": {"get": {"summary": "The resource as it was right after a revision", "tags": ["cms"],
                                                      "parameters": [collection, ref, rev],
                                                      "responses": {"200": {"description": "The resource"}, **errors(404)}}},
        "/{collection}/{ref}/history/{rev}/revert": {"post": {"summary": "Restore a revision (a validated, recorded write)",
                                                              "tags": ["cms"], "parameters": [collection, ref, rev, lang],
                                                              "responses": {"200": write, **errors(401, 403, 404, 409, 412, 422)}}},
        "/{collection}/{ref}/workflow/{transition}": {
            "post": {"summary": "Workflow step: vaststellen (adopt), archiveren (archive), heropenen (reopen)", "tags": ["cms"],
                     "parameters": [collection, ref, {"name": "transition", "in": "path", "required": True,
                                                      "schema": {"type": "string", "enum": ["vaststellen", "archiveren", "heropenen",
                                                                                            "adopt", "archive", "reopen"]}}],
                     "responses": {"200": write, **errors(401, 403, 404, 409, 412)}}},
    }
    operation_ids = {
        ("/context.jsonld", "get"): "getContext", ("/types", "get"): "listTypes", ("/types/{name}", "get"): "getTypeSchema",
        ("/search", "get"): "search", ("/imports", "post"): "importDocument",
        ("/{collection}", "get"): "listItems", ("/{collection}", "post"): "createItem",
        ("/{collection}/{ref}", "get"): "getItem", ("/{collection}/{ref}", "put"): "replaceItem",
        ("/{collection}/{ref}", "patch"): "patchItem", ("/{collection}/{ref}", "delete"): "deleteItem",
        ("/{collection}/{ref}/history", "get"): "listRevisions", ("/{collection}/{ref}/history/{rev}", "get"): "getRevision",
        ("/{collection}/{ref}/history/{rev}/revert", "post"): "revertRevision",
        ("/{collection}/{ref}/workflow/{transition}", "post"): "transition",
    }
    version = {"API-Version": {"$ref": "#/components/headers/API-Version"}}
    etag = {"ETag": {"description": "Versie van de bron / version of the resource", "schema": {"type": "string"}}}
    for path, operations in paths.items():
        for method, operation in operations.items():
            operation["operationId"] = operation_ids[(path, method)]
            for code, response in list(operation["responses"].items()):
                if code.startswith(("2", "3")):
                    response = operation["responses"][code] = dict(response)
                    with_etag = path.startswith("/{collection}/{ref}") and code in ("200", "201") or (path, method) == ("/{collection}", "post")
                    response["headers"] = {**version, **(etag if with_etag else {})}
    schemas = {
        "Document": {"type": "object", "description": "Compact JSON-LD with the context at /api/v1/context.jsonld; "
                                                      "the schema per type is at /api/v1/types/{type}",
                     "properties": {"@context": {"type": "string"}, "id": {"type": "string", "format": "iri"},
                                    "type": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}}},
        "WriteResult": {"type": "object", "properties": {
            "id": {"type": "string", "format": "iri"}, "href": {"type": "string", "format": "uri"},
            "etag": {"type": "string", "nullable": True},
            "state": {"type": "string", "nullable": True, "enum": [*workflow.STATES, None]},
            "revision": {"type": "string", "nullable": True}, "created": {"type": "boolean"}, "deleted": {"type": "boolean"},
            "warnings": {"type": "array", "items": {"type": "object"}}}},
    }
    return {"paths": paths, "schemas": schemas}


__all__ = ["bp", "href_for", "openapi_paths", "ref_for"]
