"""The OpenAPI document as the ecosystem's own linter judges it: Spectral (from npm,
installed in tools/spectral by scripts/ensure-spectral.sh) with the Logius API Design
Rules ruleset (tests/conformance/logius-adr-spectral.yaml) and with Spectral's
recommended rules (``spectral:oas``), on the document a real server serves. The goal is
nothing at all: no errors, no warnings, no hints.

The ruleset wants a contact e-mail address; the project has no mailbox of its own, so the
address is the deployer's (MAG_GRAPH_CONTACT_EMAIL) and the server here is given one."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mag_graph.api import create_app
from store_template import initialised_store

from mag_graph.store import Store

ROOT = Path(__file__).resolve().parent.parent
SPECTRAL = ROOT / "tools" / "spectral" / "node_modules" / ".bin" / "spectral"
RULESETS = {
    "logius-adr": ROOT / "tests" / "conformance" / "logius-adr-spectral.yaml",
    "spectral-oas": ROOT / "tests" / "conformance" / "spectral-oas.yaml",
}
CONTACT = {"MAG_GRAPH_CONTACT_EMAIL": "api-beheer@gemeente.example", "MAG_GRAPH_CONTACT_NAME": "Team API, gemeente Voorbeeld",
           "MAG_GRAPH_CONTACT_URL": "https://www.gemeente.example/api"}


@pytest.fixture(scope="module")
def served(serving: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example graph served as a deployer would run it: with a contact of their own."""
    store = initialised_store(tmp_path_factory.mktemp("store") / "store")
    app = create_app(store, config=CONTACT)
    try:
        with serving(app) as url:
            yield url
    finally:
        app.extensions["mag_graph"].close()
        store.close()


def _spectral() -> Path:
    if not SPECTRAL.exists():
        message = f"Spectral is not installed at {SPECTRAL}; run scripts/ensure-spectral.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SPECTRAL


def _lint(ruleset: Path, document: Path) -> list[dict[str, Any]]:
    """Every finding of Spectral (all severities) on ``document``."""
    done = subprocess.run(
        [str(_spectral()), "lint", "--quiet", "--format", "json", "--fail-severity", "hint", "--ruleset", str(ruleset),
         str(document)],
        capture_output=True, text=True, timeout=300, cwd=SPECTRAL.parent.parent.parent, check=False,
    )
    try:
        findings = json.loads(done.stdout or "[]")
    except ValueError:
        raise AssertionError(f"Spectral gave no JSON (exit {done.returncode}): {done.stdout}\n{done.stderr}") from None
    assert isinstance(findings, list), findings
    assert done.returncode in (0, 1), done.stderr  # 1: findings; anything else: Spectral itself failed
    assert (done.returncode == 1) == bool(findings), (done.returncode, findings)
    return findings


def _served_document(served: str, tmp_path: Path) -> Path:
    with urllib.request.urlopen(served + "/api/v1/openapi.json", timeout=60) as reply:
        assert reply.status == 200 and reply.headers.get_content_type() == "application/json"
        data = reply.read()
    path = tmp_path / "openapi.json"
    path.write_bytes(data)
    return path


def _report(findings: list[dict[str, Any]]) -> str:
    severity = {0: "error", 1: "warning", 2: "info", 3: "hint"}
    return "\n".join(f"{severity.get(f['severity'])} {f['code']} at {'.'.join(map(str, f['path']))}: {f['message']}"
                     for f in findings)


@pytest.mark.parametrize("name", sorted(RULESETS))
def test_the_served_openapi_document_passes_the_linter(served: str, tmp_path: Path, name: str) -> None:
    findings = _lint(RULESETS[name], _served_document(served, tmp_path))
    assert findings == [], f"{name}:\n{_report(findings)}"


def test_the_linter_finds_what_the_rules_forbid(served: str, tmp_path: Path) -> None:
    """The same run on a copy with what the issue found on the earlier document (no
    contact email, a path that is not kebab-case, a GET with parameters and no 400, an
    operation without a description): the linter reports each, so a clean run means
    something."""
    document = json.loads(_served_document(served, tmp_path).read_text(encoding="utf-8"))
    del document["info"]["contact"]["email"]
    document["paths"]["/context.jsonld"] = document["paths"].pop("/context")
    del document["paths"]["/types"]["get"]["responses"]["400"]
    del document["paths"]["/questions"]["get"]["description"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    logius = {(f["code"], f["path"][1] if len(f["path"]) > 1 else "") for f in _lint(RULESETS["logius-adr"], broken)}
    assert ("nlgov:info-contact-fields-exist", "contact") in logius
    assert ("nlgov:paths-kebab-case", "/context.jsonld") in logius
    assert ("nlgov:problem-invalid-input", "/types") in logius
    oas = {(f["code"], f["path"][1]) for f in _lint(RULESETS["spectral-oas"], broken)}
    assert ("operation-description", "/questions") in oas


def test_reads_with_path_parameters_refuse_unknown_query_keys(served: str) -> None:
    """The 400 these routes document (Logius /core/error-handling/invalid-input) is real."""
    import urllib.error

    for path in ("/api/v1/budgets/hg-mag-totaal", "/api/v1/budgets/hg-mag-totaal/history",
                 "/api/v1/budgets/hg-mag-totaal/history/r1"):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(served + path + "?sorteer=label", timeout=60)
        assert caught.value.code == 400, path
        assert caught.value.headers.get_content_type() == "application/problem+json"
        problem = json.loads(caught.value.read())
        assert problem["invalidParams"] == [{"name": "sorteer", "reason": "unknown"}]
    with urllib.request.urlopen(served + "/api/v1/budgets/hg-mag-totaal", timeout=60) as reply:
        assert reply.status == 200


def test_the_contact_is_the_deployers_and_never_made_up(served: str, serving: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    with urllib.request.urlopen(served + "/api/v1/openapi.json", timeout=60) as reply:
        assert json.loads(reply.read())["info"]["contact"] == {
            "name": "Team API, gemeente Voorbeeld", "url": "https://www.gemeente.example/api",
            "email": "api-beheer@gemeente.example"}
    # without settings: the service's own home page and no e-mail address; the environment counts too
    for name in CONTACT:
        monkeypatch.delenv(name, raising=False)
    store = Store.open(":memory:")
    app = create_app(store)
    try:
        with serving(app) as url, urllib.request.urlopen(url + "/api/v1/openapi.json", timeout=60) as reply:
            assert json.loads(reply.read())["info"]["contact"] == {"name": "mag-graph", "url": url + "/"}
        monkeypatch.setenv("MAG_GRAPH_CONTACT_EMAIL", "data@gemeente.example")
        with serving(app) as url, urllib.request.urlopen(url + "/api/v1/openapi.json", timeout=60) as reply:
            assert json.loads(reply.read())["info"]["contact"]["email"] == "data@gemeente.example"
    finally:
        app.extensions["mag_graph"].close()
        store.close()
