"""The HTTP face of mag-graph: a Flask application factory and thin views over the core.

``create_app`` (:mod:`.app`) builds the application around one store: the SPARQL 1.1
Protocol and Graph Store Protocol (:mod:`.sparql`), the ``/api/v1`` routes (:mod:`.v1`,
and the CMS in :mod:`.cms`) with their OpenAPI document generated from the route
definitions (:mod:`.openapi`), the web pages (:mod:`.pages`) and the error handlers that
answer every failure as a problem document (:mod:`.problems`). Views only translate HTTP
into calls of the core (:class:`~mag_graph.sparql.SparqlService`, :mod:`mag_graph.questions`,
:mod:`mag_graph.validation`, :mod:`mag_graph.cms`, :class:`~mag_graph.access.auth.AuthRegistry`);
they never open the store or write SPARQL.

Every face chooses its response format with the one content negotiation
(:func:`mag_graph.sparql.negotiate`) and its language with the one language negotiation
(:func:`.i18n.negotiate`). What the views share at run time (the store, the service,
the credentials, who is asking) is in :mod:`.runtime`; the headers every response
carries (``API-Version``, CORS) in :mod:`.headers`; the cache of whole responses in
:mod:`.response_cache`. This package only re-exports: no module of it imports it.

May import: every core package of :mod:`mag_graph`; the core never imports this layer.
"""

from __future__ import annotations

from .app import SETTINGS, create_app
from .headers import API_VERSION
from .response_cache import ResponseCache, mark_cacheable
from .runtime import MagGraph, principal, public_visible_graphs, state, visible_graphs

__all__ = ["API_VERSION", "SETTINGS", "MagGraph", "ResponseCache", "create_app", "mark_cacheable", "principal",
           "public_visible_graphs", "state", "visible_graphs"]
