"""The CMS's errors: each names the HTTP status and the problem slug the API answers
with, and carries its message in Dutch and English.

The workflow's :class:`~mag_graph.access.visibility.ForbiddenError` and
:class:`~mag_graph.cms.workflow.StateConflictError` are the other two errors a write can
raise; they live with the rules they enforce.
"""

from __future__ import annotations

from typing import Any

from mag_graph.store import MagGraphError
from mag_graph.validation.errors import ValidationTimeoutError

__all__ = [
    "AlreadyExistsError",
    "ContentError",
    "HasReferrersError",
    "InvalidDocumentError",
    "InvalidParameterError",
    "InvalidValueError",
    "NotFoundError",
    "PreconditionFailedError",
    "PreconditionRequiredError",
    "ValidationFailedError",
    "WorkingCopyPendingError",
    "WriteTimeoutError",
]


class ContentError(MagGraphError):
    """Base of the CMS's errors; ``status`` is the HTTP status the API answers with."""

    status = 400
    slug = "invalid-request"
    # Members the problem document adds (e.g. ``workingCopy``: the copy a write collided with).
    extensions: dict[str, Any] = {}  # noqa: RUF012  (replaced per instance, never changed in place)


class NotFoundError(ContentError):
    status = 404
    slug = "not-found"


class InvalidDocumentError(ContentError):
    """The request body is not a usable description of a resource. ``fields`` names the
    keys at fault, each with the reason in Dutch and English (``invalidParams``)."""

    status = 400
    slug = "invalid-document"

    def __init__(self, nl: str, en: str | None = None, *, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(nl, en)
        self.fields = fields or []


class InvalidValueError(InvalidDocumentError):
    """A document that is well-formed but has a value its field cannot have (a date that
    is no date) or leaves out what every resource needs (a label); nothing was stored."""

    status = 422
    slug = "invalid-value"


class InvalidParameterError(ContentError):
    """A query parameter (a listing's filter key or value, sort key, page) that is not
    one the request may give; ``name`` is the parameter, ``allowed`` what it may be."""

    status = 400
    slug = "invalid-parameter"

    def __init__(self, nl: str, en: str, *, name: str, allowed: list[str] | None = None) -> None:
        super().__init__(nl, en)
        self.name = name
        self.allowed = allowed


class AlreadyExistsError(ContentError):
    status = 409
    slug = "already-exists"


class PreconditionFailedError(ContentError):
    """If-Match does not match the resource's current ETag (someone else changed it)."""

    status = 412
    slug = "precondition-failed"

    def __init__(self, nl: str, en: str, current_etag: str | None) -> None:
        super().__init__(nl, en)
        self.current_etag = current_etag


class WorkingCopyPendingError(ContentError):
    """An editor's change of adopted content made on the adopted version, while someone
    has a working copy of it pending: saving would replace that copy unseen. The editor
    goes on from the copy (its ETag in If-Match). ``extensions["workingCopy"]`` names it."""

    status = 409
    slug = "working-copy-pending"

    def __init__(self, nl: str, en: str, working_copy: dict[str, Any]) -> None:
        super().__init__(nl, en)
        self.extensions = {"workingCopy": working_copy}


class PreconditionRequiredError(ContentError):
    status = 428
    slug = "precondition-required"


class HasReferrersError(ContentError):
    """Deleting would leave other resources pointing at nothing."""

    status = 409
    slug = "has-referrers"

    def __init__(self, nl: str, en: str, referrers: list[dict[str, Any]]) -> None:
        super().__init__(nl, en)
        self.referrers = referrers


class ValidationFailedError(ContentError):
    """The write would break rules; nothing was stored. ``results`` lists each finding
    (rule, the JSON key of the path, message in Dutch and English, value)."""

    status = 422
    slug = "validation-failed"

    def __init__(self, results: list[dict[str, Any]]) -> None:
        rules = sorted({r["rule"] or "?" for r in results})
        n = len(results)
        super().__init__(
            f"de wijziging is niet opgeslagen: {n} overtreding(en) van {', '.join(rules)}",
            f"the change was not stored: {n} violation(s) of {', '.join(rules)}",
        )
        self.results = results


class WriteTimeoutError(ValidationTimeoutError):
    """A write's own validation ran past its time limit (``MAG_GRAPH_VALIDATION_TIMEOUT``,
    ``serve --validation-timeout``): the write was refused and undone, nothing was
    stored. Answered like every validation that runs out of time: 503
    ``validation-timeout`` with ``Retry-After``."""

    def __init__(self, limit: float | None = None) -> None:
        shown = f" van {limit:g} s" if limit is not None else ""
        shown_en = f" of {limit:g} s" if limit is not None else ""
        MagGraphError.__init__(
            self,
            f"de wijziging is niet opgeslagen: de validatie ervan duurde langer dan de limiet{shown}; probeer het later opnieuw",
            f"the change was not stored: validating it took longer than the limit{shown_en}; try again later",
        )
        self.limit = limit
