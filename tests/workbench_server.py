"""What the workbench tests share: the real application behind waitress on 127.0.0.1 with
the example data in an on-disk store, its users, and a logged-in HTTP client (requests,
with its own cookie jar) that reads the CSRF token from the forms like a browser."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests
from store_template import initialised_store

from mag_graph.access.auth import AuthRegistry
from mag_graph.store import Store

PASSWORDS = {"eva": "eva-wachtwoord-1", "rob": "rob-wachtwoord-1", "lea": "lea-wachtwoord-1"}
ROLES = {"eva": "editor", "rob": "reviewer", "lea": "reader"}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@dataclass
class LiveServer:
    url: str
    store: Store
    app: Any
    location: Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(directory: Path, config: dict[str, Any] | None = None) -> Iterator[LiveServer]:
    """The app (``create_app``) on an on-disk store with the example data, with an
    editor (eva), a reviewer (rob) and a reader (lea), behind waitress."""
    import waitress
    from mag_graph.api import create_app

    store = initialised_store(directory / "store")  # as initialise() leaves it (store_template)
    with AuthRegistry.for_store(store.location) as auth:
        for name, password in PASSWORDS.items():
            auth.add_user(name, password, ROLES[name])
    application = create_app(store, config=config)
    server = waitress.create_server(application, host="127.0.0.1", port=free_port(), threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.effective_port}", store, application, directory)
    finally:
        server.close()
        thread.join(timeout=5)
        application.extensions["mag_graph"].close()
        store.close()


def warm_up(store: Store) -> None:
    """The CMS's first validated write loads and analyses the shapes (some seconds on a
    busy machine); done once here, so the browser's timeouts measure the pages."""
    from mag_graph.cms import Content, ValidationFailedError

    with contextlib.suppress(ValidationFailedError):  # no phase: refused by R01, nothing is stored
        Content.for_store(store).create("responsibility", {"label": {"nl": "opwarmen"}, "raciKind": "magb:Accountable"},
                                        agent="test", role="editor")


class Client:
    """A browser-like HTTP client: cookies, Dutch first, the CSRF token from the last form."""

    def __init__(self, base: str, lang: str = "nl") -> None:
        self.base = base
        self.http = requests.Session()
        self.http.headers.update({"Accept": BROWSER_ACCEPT, "Accept-Language": "nl-NL,nl;q=0.9" if lang == "nl" else "en"})
        self.last_html = ""

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        response = self.http.get(self.base + path, allow_redirects=kwargs.pop("allow_redirects", True), timeout=60, **kwargs)
        if response.headers.get("Content-Type", "").startswith("text/html"):
            self.last_html = response.text
        return response

    def token(self, path: str | None = None) -> str:
        html = self.get(path).text if path else self.last_html
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, "the form has no CSRF token"
        return match.group(1)

    def post(self, path: str, data: Any, *, token: str | None = "form", **kwargs: Any) -> requests.Response:
        """POST a form; ``token="form"`` takes the token of the last page, ``None`` sends none."""
        if token == "form":
            token = self.token()
        body = list(data.items()) if isinstance(data, dict) else list(data)
        if token is not None:
            body.append(("csrf_token", token))
        response = self.http.post(self.base + path, data=body, allow_redirects=kwargs.pop("allow_redirects", False),
                                  timeout=60, **kwargs)
        if response.headers.get("Content-Type", "").startswith("text/html"):
            self.last_html = response.text
        return response

    def login(self, name: str, password: str | None = None) -> requests.Response:
        self.get("/inloggen")
        return self.post("/inloggen", {"name": name, "password": password or PASSWORDS[name]})


class Html(HTMLParser):
    """The parts of a page the tests look at: text, and every form control with its label."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_for: dict[str, str] = {}
        self.ids: set[str] = set()
        self._label: str | None = None
        self._label_text: list[str] = []
        self.chunks: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag in ("input", "select", "textarea", "output"):
            self.controls.append({"tag": tag, **a})
            self._open = self.controls[-1]
            if tag in ("select", "textarea"):
                self._open["value"] = ""
        if tag == "option" and getattr(self, "_open", None) is not None and self._open["tag"] == "select" \
                and "selected" in a:
            self._open["value"] = a.get("value", "")
        if tag == "label":
            self._label = a.get("for", "")
            self._label_text = []

    def successful(self, prefix: str = "") -> list[tuple[str, str]]:
        """What a browser sends for the form's controls (names starting with ``prefix``):
        inputs, checked boxes, selected options, text areas; no buttons."""
        out = []
        for c in self.controls:
            name = c.get("name", "")
            if not name.startswith(prefix) or c["tag"] == "output" or c.get("type") in ("submit", "button"):
                continue
            if c.get("type") in ("checkbox", "radio") and "checked" not in c:
                continue
            out.append((name, c.get("value", "")))
        return out

    def handle_endtag(self, tag: str) -> None:
        if tag in ("select", "textarea"):
            self._open = None
        if tag == "label" and self._label is not None:
            self.label_for[self._label] = " ".join("".join(self._label_text).split())
            self._label = None

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        if getattr(self, "_open", None) is not None and self._open["tag"] == "textarea":
            self._open["value"] += data
        if self._label is not None:
            self._label_text.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def unlabelled(self) -> list[dict[str, str]]:
        """Controls a person cannot tell apart: visible ones without a label."""
        return [c for c in self.controls
                if c.get("type") not in ("hidden", "submit", "button") and not self.label_for.get(c.get("id", ""))
                and not c.get("aria-label")]


def snapshot(store: Store) -> list[str]:
    """Every quad of the store as sorted N-Quads lines (to compare before and after)."""
    data = store.export(format="nquads") or b""
    return sorted(line for line in data.decode("utf-8").splitlines() if line.strip())


def api(server: Any, method: str, path: str, body: Any = None, *, user: str | None = None,
        headers: dict[str, str] | None = None, passwords: dict[str, str] = PASSWORDS) -> requests.Response:
    """A JSON(-LD) request to the CMS API of ``server``, as ``user`` (HTTP Basic) or anonymous."""
    sent = {"Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body)
        sent.setdefault("Content-Type", "application/ld+json")
    return requests.request(method, server.url + path, data=data, headers=sent, timeout=120,
                            auth=(user, passwords[user]) if user else None)
