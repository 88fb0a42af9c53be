"""``/api/v1/{collection}/{ref}/working-copy``: an editor's change of adopted content,
kept apart until a reviewer adopts it (:mod:`mag_graph.cms.working_copy`, docs/cms.md).

An editor's PUT or PATCH of adopted content answers 202 and stores the change as the
resource's working copy (:mod:`.cms`); these routes read it, adopt it and discard it::

    GET    /api/v1/{collection}/{ref}/working-copy          (editors and up)
    POST   /api/v1/{collection}/{ref}/working-copy/adopt    (reviewers and up; If-Match: the copy's ETag)
    DELETE /api/v1/{collection}/{ref}/working-copy          (editors and up)

Declared through :mod:`.openapi` like the other CMS routes, so the OpenAPI document
describes them.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from mag_graph.cms import content as core
from mag_graph.cms import workflow, working_copy
from mag_graph.cms.errors import WriteTimeoutError
from mag_graph.store import MagGraphError

from .cms import (
    JSON,
    JSON_LD_COMPACTED,
    _collection,
    _core_error,
    _etag_header,
    _iri_from_ref,
    _write_answer,
    cms,
)
from .i18n import request_language
from .openapi import Operations
from .runtime import principal as request_principal
from .runtime import require_role

bp = Blueprint("working_copies", __name__, url_prefix="/api/v1")
bp.register_error_handler(MagGraphError, _core_error)
operations = Operations(bp)

_COLLECTION = {"name": "collection", "in": "path", "required": True, "schema": {"type": "string"},
               "description": "Collection of a content type (see /types), e.g. responsibilities."}
_REF = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "Last segment of the IRI (or ~ and its base64url form); use the href of listings."}


def _copy_of(collection: str, ref: str) -> tuple[core.ContentType, str, working_copy.WorkingCopy | None]:
    kind = _collection(collection)
    iri = _iri_from_ref(kind, ref)
    found = request_principal()
    cms().get(iri, role=found.role if found else None, ctype=kind)  # 404 when not visible
    return kind, iri, working_copy.read(cms().store, iri)


@operations.route("/<collection>/<ref>/working-copy", id="getWorkingCopy", tags=["cms"],
                  summary="De werkkopie van een bron / a resource's working copy",
                  description=("De voorgestelde wijziging van vastgestelde inhoud door een redacteur, als JSON-LD, tot "
                               "een beoordelaar haar vaststelt; alleen voor redacteuren en hoger. / An editor's proposed "
                               "change of adopted content, as JSON-LD, until a reviewer adopts it; editors and up."),
                  parameters=[_COLLECTION, _REF],
                  responses={200: {"description": "The working copy"}}, produces=(JSON_LD_COMPACTED,),
                  raises=(core.NotFoundError,))
def get_copy(collection: str, ref: str) -> Response:
    request_language(strict=True)  # a ?lang= that is not ours is a 400, as everywhere
    found = request_principal()
    if found is None or not workflow.may(found.role, "editor"):  # like history: not there for readers
        raise core.NotFoundError("werkkopieën zijn alleen zichtbaar voor redacteuren en hoger",
                                 "working copies are visible to editors and up only")
    kind, iri, copy = _copy_of(collection, ref)
    if copy is None:
        raise core.NotFoundError(f"<{iri}> heeft geen werkkopie", f"<{iri}> has no working copy")
    body = working_copy.document(cms(), copy, kind)
    body["x-workingCopy"] = copy.to_json()
    response = Response(json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"), status=200,
                        content_type=JSON_LD_COMPACTED)
    response.headers["ETag"] = _etag_header(copy.etag)  # type: ignore[assignment]
    response.headers["Cache-Control"] = "private, no-store"
    return response


@operations.route("/<collection>/<ref>/working-copy/adopt", "POST", id="adoptWorkingCopy", tags=["cms"],
                  summary="Een werkkopie vaststellen / adopt a working copy",
                  description=("Een beoordelaar stelt de werkkopie vast: de wijziging wordt opnieuw gevalideerd en als "
                               "revisie geschreven, en is daarna openbaar. 409 als de vastgestelde versie intussen is "
                               "gewijzigd. / A reviewer adopts the working copy: the change is validated again and "
                               "written as a revision, then public. 409 when the adopted version changed meanwhile."),
                  parameters=[_COLLECTION, _REF,
                              {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                               "description": "The ETag of the working copy the reviewer read"}],
                  responses={200: {"description": "What the write did"}}, produces=(JSON,),
                  schema={"$ref": "#/components/schemas/WriteResult"},
                  raises=(core.NotFoundError, core.ValidationFailedError, workflow.StateConflictError,
                          workflow.ForbiddenError, core.PreconditionFailedError, WriteTimeoutError))
def adopt(collection: str, ref: str) -> Response:
    principal = require_role("reviewer")
    kind, iri, _ = _copy_of(collection, ref)
    result = working_copy.adopt(cms(), iri, agent=principal.name, role=principal.role,
                                if_match=request.headers.get("If-Match"), ctype=kind,
                                lang=request_language(strict=True))
    return _write_answer(result, kind)


@operations.route("/<collection>/<ref>/working-copy", "DELETE", id="discardWorkingCopy", tags=["cms"],
                  summary="Een werkkopie weggooien / discard a working copy",
                  description=("Gooit de werkkopie weg; de vastgestelde versie blijft. / Discards the working copy; the "
                               "adopted version stays."),
                  parameters=[_COLLECTION, _REF,
                              {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                               "description": "The ETag of the working copy the caller read (412 when stale)"}],
                  responses={204: {"description": "Discarded"}},
                  raises=(core.NotFoundError, workflow.ForbiddenError, core.PreconditionFailedError))
def discard(collection: str, ref: str) -> Response:
    principal = require_role("editor")
    request_language(strict=True)
    kind, iri, _ = _copy_of(collection, ref)
    working_copy.discard(cms(), iri, agent=principal.name, role=principal.role, ctype=kind,
                         if_match=request.headers.get("If-Match"))
    return Response(status=204)


__all__ = ["bp", "operations"]
