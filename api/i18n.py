"""Languages: the one language negotiation of every face, and the words of the web
pages in Dutch and English.

Dutch is the default (the data, the sources and most readers are Dutch); English is one
click away (``?lang=en``) or asked for with ``Accept-Language``. :func:`negotiate` decides
for the pages, ``/api/v1`` and the CMS alike; :func:`request_language` applies it to the
current request.

All page text lives here rather than in the templates, so that a test can check that
every text exists in both languages and that no template asks for a text that is not here.
"""

from __future__ import annotations

from flask import request

from .problems import Problem

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

STRINGS: dict[str, dict[str, str]] = {
    # -- site frame
    "site_title": {"nl": "MAG-graaf", "en": "MAG graph"},
    "site_tagline": {
        "nl": "Wie is verantwoordelijk voor wat in de Maatschappelijke Agenda, samenwerkingsverbanden en projecten van gemeenten",
        "en": "Who is responsible for what in municipal social agendas, partnerships and projects",
    },
    "skip_to_content": {"nl": "Naar de inhoud", "en": "Skip to content"},
    "nav_label": {"nl": "Hoofdmenu", "en": "Main menu"},
    "nav_home": {"nl": "Overzicht", "en": "Overview"},
    "nav_matrix": {"nl": "Rolmatrix", "en": "Role matrix"},
    "nav_questions": {"nl": "Vragen", "en": "Questions"},
    "nav_validation": {"nl": "Validatie", "en": "Validation"},
    "nav_query": {"nl": "SPARQL", "en": "SPARQL"},
    "switch_language": {"nl": "English", "en": "Nederlands"},
    "switch_language_label": {"nl": "Switch to English", "en": "Schakel naar Nederlands"},
    "footer_text": {
        "nl": "Voorbeeldgegevens: feiten uit de brondocumenten en, apart gemarkeerd, illustratieve aanvullingen.",
        "en": "Example data: facts from the source documents and, marked separately, illustrative additions.",
    },
    "footer_api": {"nl": "API", "en": "API"},
    "footer_sparql": {"nl": "SPARQL-endpoint", "en": "SPARQL endpoint"},
    # -- shared words
    "illustrative": {"nl": "illustratief", "en": "illustrative"},
    "illustrative_explained": {
        "nl": "illustratief: verzonnen voor het voorbeeld, niet uit de bronnen",
        "en": "illustrative: invented for the example, not from the sources",
    },
    "sourced": {"nl": "uit de bron", "en": "from the source"},
    "source": {"nl": "bron", "en": "source"},
    "sources": {"nl": "Bronnen", "en": "Sources"},
    "graph": {"nl": "graaf", "en": "graph"},
    "graph_heading": {"nl": "Graaf", "en": "Graph"},
    "statements": {"nl": "uitspraken", "en": "statements"},
    "show": {"nl": "Toon", "en": "Show"},
    "yes": {"nl": "ja", "en": "yes"},
    "no": {"nl": "nee", "en": "no"},
    "none": {"nl": "geen", "en": "none"},
    "error_title": {"nl": "Er ging iets mis", "en": "Something went wrong"},
    "not_found_title": {"nl": "Niet gevonden", "en": "Not found"},
    "not_found_resource": {
        "nl": "De graaf bevat niets over {iri}.",
        "en": "The graph holds nothing about {iri}.",
    },
    "not_found_page": {"nl": "Deze pagina bestaat niet.", "en": "This page does not exist."},
    "back_home": {"nl": "Terug naar het overzicht", "en": "Back to the overview"},
    # -- home
    "home_title": {"nl": "Overzicht", "en": "Overview"},
    "home_intro": {
        "nl": "Deze graaf beschrijft wie in het maatschappelijk beleid van drie gemeenten verantwoordelijk is voor wat: de rolverdeling van de Maatschappelijke Agenda (MAG) van Hardinxveld-Giessendam, de verbonden partijen van Maassluis en een project in Molenlanden. Elke uitspraak verwijst naar de plek in het brondocument waar zij vandaan komt.",
        "en": "This graph describes who is responsible for what in the social policy of three municipalities: the division of roles of the Social Agenda (MAG) of Hardinxveld-Giessendam, the affiliated parties of Maassluis and a project in Molenlanden. Every statement cites the place in the source document it comes from.",
    },
    "home_start_matrix": {"nl": "Wie is verantwoordelijk voor wat? Bekijk de rolmatrix", "en": "Who is responsible for what? See the role matrix"},
    "home_municipalities": {"nl": "Per gemeente", "en": "Per municipality"},
    "home_tooi": {"nl": "TOOI-identificatie", "en": "TOOI identifier"},
    "home_cbs": {"nl": "CBS-code", "en": "CBS code"},
    "home_count_responsibilities": {"nl": "verantwoordelijkheden", "en": "responsibilities"},
    "home_count_role_assignments": {"nl": "roltoewijzingen", "en": "role assignments"},
    "home_count_partnerships": {"nl": "samenwerkingsverbanden", "en": "partnerships"},
    "home_count_consultations": {"nl": "overleggen", "en": "consultations"},
    "home_count_projects": {"nl": "projecten", "en": "projects"},
    "home_matrix_of": {"nl": "Rolmatrix van {name}", "en": "Role matrix of {name}"},
    "home_graphs_of": {"nl": "Grafen", "en": "Graphs"},
    "home_all_graphs": {"nl": "Alle grafen in de store", "en": "Every graph in the store"},
    "home_graph_name": {"nl": "Graaf", "en": "Graph"},
    "home_graph_kind": {"nl": "Soort", "en": "Kind"},
    "home_graph_size": {"nl": "Uitspraken", "en": "Statements"},
    "home_graph_model": {"nl": "model en metadata", "en": "model and metadata"},
    "home_total": {"nl": "Totaal", "en": "Total"},
    "home_empty": {
        "nl": "De store is leeg. Laad de voorbeeldgegevens met `mag-graph init`.",
        "en": "The store is empty. Load the example data with `mag-graph init`.",
    },
    "home_facts": {"nl": "Wat de graaf bevat", "en": "What the graph holds"},
    # -- role matrix
    "matrix_title": {"nl": "Wie is verantwoordelijk voor wat?", "en": "Who is responsible for what?"},
    "matrix_intro": {
        "nl": "Per actor (rij) en fase van de cyclus (kolom) de verantwoordelijkheden, met hun RACI-soort en bron. Een verantwoordelijkheid die aan twee actoren is toegekend, staat in beide rijen.",
        "en": "Per actor (row) and phase of the cycle (column) the responsibilities, with their RACI kind and source. A responsibility assigned to two actors appears in both rows.",
    },
    "matrix_municipality": {"nl": "Gemeente", "en": "Municipality"},
    "matrix_caption": {"nl": "Rolmatrix van {name}: {count} verantwoordelijkheden", "en": "Role matrix of {name}: {count} responsibilities"},
    "matrix_actor": {"nl": "Actor", "en": "Actor"},
    "matrix_empty": {"nl": "Geen verantwoordelijkheden voor deze gemeente.", "en": "No responsibilities for this municipality."},
    "matrix_legend": {"nl": "Legenda", "en": "Legend"},
    "matrix_unknown_municipality": {"nl": "Onbekende gemeente: {code}", "en": "Unknown municipality: {code}"},
    "matrix_unknown_filter": {"nl": "Onbekende waarde voor {name}: {value}", "en": "Unknown value for {name}: {value}"},
    "matrix_all_municipalities": {"nl": "Alle gemeenten", "en": "All municipalities"},
    "matrix_phase": {"nl": "Fase", "en": "Phase"},
    "matrix_raci": {"nl": "RACI-soort", "en": "RACI kind"},
    "matrix_any": {"nl": "alle", "en": "all"},
    "matrix_download": {"nl": "Download als rekenblad (één rij per verantwoordelijkheid)", "en": "Download as a spreadsheet (one row per responsibility)"},
    "matrix_held_by": {"nl": "vervuld door", "en": "held by"},
    "raci_R": {"nl": "R: uitvoeringsverantwoordelijk (Responsible)", "en": "R: responsible"},
    "raci_A": {"nl": "A: eindverantwoordelijk (Accountable)", "en": "A: accountable"},
    "raci_C": {"nl": "C: geraadpleegd (Consulted)", "en": "C: consulted"},
    "raci_I": {"nl": "I: geïnformeerd (Informed)", "en": "I: informed"},
    "raci_unknown": {"nl": "?: RACI-soort onbekend", "en": "?: RACI kind unknown"},
    # -- questions
    "questions_title": {"nl": "Vragen aan de graaf", "en": "Questions to the graph"},
    "questions_intro": {
        "nl": "Vragen die beleidsmedewerkers, raadsleden en accounthouders stellen. Kies een vraag, vul de gegevens in en bekijk of download het antwoord.",
        "en": "Questions that policy analysts, council members and account holders ask. Pick a question, fill in the details and view or download the answer.",
    },
    "questions_none": {"nl": "Er zijn (nog) geen vragen beschikbaar.", "en": "No questions are available (yet)."},
    "question_unknown": {"nl": "Onbekende vraag: {id}", "en": "Unknown question: {id}"},
    "question_parameters": {"nl": "Gegevens", "en": "Parameters"},
    "question_no_parameters": {"nl": "Deze vraag heeft geen gegevens nodig.", "en": "This question needs no parameters."},
    "question_submit": {"nl": "Stel de vraag", "en": "Ask the question"},
    "question_answer": {"nl": "Antwoord", "en": "Answer"},
    "question_rows": {"nl": "{count} rijen", "en": "{count} rows"},
    "question_no_rows": {"nl": "Geen resultaten.", "en": "No results."},
    "question_download": {"nl": "Download", "en": "Download"},
    "question_download_csv": {"nl": "CSV", "en": "CSV"},
    "question_download_json": {"nl": "JSON", "en": "JSON"},
    "question_required": {"nl": "verplicht", "en": "required"},
    "question_optional": {"nl": "optioneel", "en": "optional"},
    "question_default": {"nl": "standaard: {value}", "en": "default: {value}"},
    "question_any": {"nl": "(alle)", "en": "(all)"},
    "question_error": {"nl": "De vraag kon niet worden beantwoord: {message}", "en": "The question could not be answered: {message}"},
    "question_back": {"nl": "Alle vragen", "en": "All questions"},
    "question_hint_iri": {
        "nl": "Typ (een deel van) de naam en kies uit de voorstellen",
        "en": "Type (part of) the name and choose from the suggestions",
    },
    "question_hint_municipality": {"nl": "Gemeente (code zoals gm0523 of naam)", "en": "Municipality (code such as gm0523 or name)"},
    "question_hint_date": {"nl": "Datum als JJJJ-MM-DD", "en": "Date as YYYY-MM-DD"},
    "question_hint_string": {"nl": "Vrije tekst", "en": "Free text"},
    # -- validation
    "validation_title": {"nl": "Validatie van de rolverdeling", "en": "Validation of the role division"},
    "validation_intro": {
        "nl": "Controleert de graaf op de regels van de rolverdeling (R01-R28) en met de controles van de registers (OD01-OD04). Regels die van de tijd afhangen (termijnen, actualisaties, overleggen per kwartaal) gelden op de peildatum.",
        "en": "Checks the graph against the rules of the role division (R01-R28) and with the register checks (OD01-OD04). Rules that depend on time (terms, updates, quarterly consultations) apply at the reference date.",
    },
    "validation_date": {"nl": "Peildatum", "en": "Reference date"},
    "validation_group": {"nl": "Groeperen", "en": "Group"},
    "validation_by_rule": {"nl": "per regel", "en": "by rule"},
    "validation_by_actor": {"nl": "per actor (aan wie het is toegewezen)", "en": "by actor (to whom it is assigned)"},
    "validation_submit": {"nl": "Valideer", "en": "Validate"},
    "validation_bad_date": {"nl": "Ongeldige datum: {value} (verwacht JJJJ-MM-DD)", "en": "Invalid date: {value} (expected YYYY-MM-DD)"},
    "validation_conforms": {"nl": "Het rolmodel voldoet op {date}.", "en": "The role model conforms at {date}."},
    "validation_not_conforms": {"nl": "Het rolmodel voldoet niet op {date}.", "en": "The role model does not conform at {date}."},
    "validation_summary": {
        "nl": "{violations} overtreding(en), {warnings} waarschuwing(en), {total} bevinding(en) in totaal.",
        "en": "{violations} violation(s), {warnings} warning(s), {total} finding(s) in total.",
    },
    "validation_rules": {"nl": "Gecontroleerde regels", "en": "Rules checked"},
    "validation_rule": {"nl": "Regel", "en": "Rule"},
    "validation_findings": {"nl": "Bevindingen", "en": "Findings"},
    "validation_severity": {"nl": "Ernst", "en": "Severity"},
    "validation_subject": {"nl": "Betreft", "en": "Concerns"},
    "validation_message": {"nl": "Melding", "en": "Message"},
    "validation_rule_source": {"nl": "Bron van de regel", "en": "Source of the rule"},
    "validation_no_findings": {"nl": "Geen bevindingen.", "en": "No findings."},
    "validation_error": {"nl": "De validatie kon niet worden uitgevoerd: {message}", "en": "The validation could not be run: {message}"},
    "severity_Violation": {"nl": "overtreding", "en": "violation"},
    "severity_Warning": {"nl": "waarschuwing", "en": "warning"},
    "severity_Info": {"nl": "informatie", "en": "info"},
    # -- SPARQL page
    "query_title": {"nl": "SPARQL-zoekvraag", "en": "SPARQL query"},
    "query_intro": {
        "nl": "Stel een eigen SPARQL-vraag (alleen lezen). De voorvoegsels mag:, magb:, magid:, org:, skos:, dcterms: en andere zijn al bekend. De standaardgraaf is de vereniging van alle grafen.",
        "en": "Ask your own SPARQL query (read only). The prefixes mag:, magb:, magid:, org:, skos:, dcterms: and others are predeclared. The default graph is the union of all graphs.",
    },
    "query_label": {"nl": "Zoekvraag (SPARQL)", "en": "Query (SPARQL)"},
    "query_submit": {"nl": "Voer uit", "en": "Run"},
    "query_submit_endpoint": {"nl": "Als SPARQL-resultaat via /sparql", "en": "As SPARQL results via /sparql"},
    "query_examples": {"nl": "Voorbeelden", "en": "Examples"},
    "query_results": {"nl": "Resultaat", "en": "Results"},
    "query_rows": {"nl": "{count} rijen", "en": "{count} rows"},
    "query_truncated": {"nl": "De eerste {shown} van {count} rijen worden getoond.", "en": "Showing the first {shown} of {count} rows."},
    "query_ask_true": {"nl": "Ja (true)", "en": "Yes (true)"},
    "query_ask_false": {"nl": "Nee (false)", "en": "No (false)"},
    "query_triples": {"nl": "{count} tripels", "en": "{count} triples"},
    "query_subject": {"nl": "subject", "en": "subject"},
    "query_predicate": {"nl": "predicaat", "en": "predicate"},
    "query_object": {"nl": "object", "en": "object"},
    "query_error": {"nl": "Fout in de zoekvraag: {message}", "en": "Error in the query: {message}"},
    "query_empty": {"nl": "Vul een zoekvraag in.", "en": "Enter a query."},
    # -- resource page
    "resource_type": {"nl": "Soort", "en": "Type"},
    "resource_iri": {"nl": "Identificatie (URI)", "en": "Identifier (URI)"},
    "resource_properties": {"nl": "Eigenschappen", "en": "Properties"},
    "resource_property": {"nl": "Eigenschap", "en": "Property"},
    "resource_value": {"nl": "Waarde", "en": "Value"},
    "resource_incoming": {"nl": "Wat hiernaar verwijst", "en": "What links here"},
    "resource_incoming_from": {"nl": "Van", "en": "From"},
    "resource_incoming_shown": {"nl": "De eerste {shown} van {total} verwijzingen.", "en": "The first {shown} of {total} links."},
    "resource_no_incoming": {"nl": "Niets verwijst hiernaar.", "en": "Nothing links here."},
    "resource_sources": {"nl": "Bronnen", "en": "Sources"},
    "resource_location": {"nl": "Bronlocatie", "en": "Source location"},
    "resource_document": {"nl": "Brondocument", "en": "Source document"},
    "resource_file": {"nl": "Bestand", "en": "File"},
    "resource_no_sources": {"nl": "Hierbij is geen brondocument vermeld.", "en": "No source document is cited for this."},
    "resource_graphs": {"nl": "In welke grafen", "en": "In which graphs"},
    "resource_illustrative_only": {
        "nl": "Alles wat de graaf hierover zegt is illustratief: de brondocumenten noemen het niet.",
        "en": "Everything the graph says about this is illustrative: the source documents do not state it.",
    },
    "resource_download": {"nl": "Als RDF", "en": "As RDF"},
    "resource_blank": {"nl": "(naamloos)", "en": "(anonymous)"},
}


def t(key: str, lang: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (Dutch when that language lacks it), with
    ``{name}`` placeholders filled in. An unknown key raises, so a typo in a template
    fails a test instead of showing an empty label."""
    texts = STRINGS[key]
    text = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    return text.format(**values) if values else text


def parse_accept_language(header: str | None) -> list[tuple[str, float]]:
    """The language ranges of an ``Accept-Language`` header (RFC 9110 12.5.4) with their
    q-values, lower-cased, best first (ties in the client's order). Ranges that do not
    parse, or whose q is not a number in [0, 1], are left out."""
    found: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, *params = (item.strip() for item in part.split(";"))
        tag = tag.lower()
        if not tag or not all(piece.isalnum() for piece in tag.split("-")) and tag != "*":
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0.0 <= q <= 1.0:
            found.append((-q, position, tag))
    return [(tag, -q) for q, _, tag in sorted(found)]


def explicit_language(value: str | None) -> str | None:
    """A ``?lang=`` value as one of :data:`LANGUAGES` (``None``: absent or not ours)."""
    if value is None:
        return None
    value = value.strip().lower()
    return value if value in LANGUAGES else None


def negotiate(explicit: str | None, accept_language: str | None = None) -> str:
    """The one language negotiation of every face (pages, ``/api/v1``, the CMS):
    ``?lang=`` when it names one of :data:`LANGUAGES`; else the best range of the
    ``Accept-Language`` header that reaches one of them (``nl-NL`` and ``en-GB`` reach
    ``nl`` and ``en`` by lookup, RFC 4647 3.4; ``*`` reaches the default; ``q=0``
    excludes); else Dutch."""
    chosen = explicit_language(explicit)
    if chosen is not None:
        return chosen
    ranges = parse_accept_language(accept_language)
    refused = {tag for tag, q in ranges if q == 0.0}
    for tag, q in ranges:
        if q == 0.0:
            break
        if tag == "*":
            return next((lang for lang in (DEFAULT_LANGUAGE, *LANGUAGES) if lang not in refused), DEFAULT_LANGUAGE)
        primary = tag.split("-", 1)[0]
        if primary in LANGUAGES and primary not in refused:
            return primary
    return DEFAULT_LANGUAGE


def request_language(*, strict: bool = False) -> str:
    """The language of the current request by :func:`negotiate`. ``strict`` (the API):
    a ``?lang=`` that is not one of ours is a 400 problem; the pages fall back to the
    header instead."""
    value = request.args.get("lang")
    if strict and value is not None and explicit_language(value) is None:
        value = value.strip().lower()
        raise Problem(400, f"onbekende taal {value!r} (nl of en)", f"unknown language {value!r} (nl or en)",
                      invalidParams=[{"name": "lang", "reason": "nl | en"}])
    return negotiate(value, request.headers.get("Accept-Language"))


# The workbench's words live in their own module; they are page texts like the rest.
def _add_workbench_texts() -> None:
    from .workbench_texts import WORKBENCH_STRINGS

    for key, texts in WORKBENCH_STRINGS.items():
        STRINGS.setdefault(key, texts)


_add_workbench_texts()
