"""The words of the workbench (logging in, the forms, review and history) in Dutch and
English; :mod:`.i18n` adds them to its :data:`~.i18n.STRINGS`, so ``t()`` finds them and
the tests check them like every other page text."""

from __future__ import annotations

WORKBENCH_STRINGS: dict[str, dict[str, str]] = {
    # -- working copies of adopted content
    "working_copy_intro": {
        "nl": "Deze inhoud is vastgesteld. Wat u opslaat wordt een werkkopie: het publiek ziet de vastgestelde versie "
              "tot een beoordelaar de werkkopie vaststelt.",
        "en": "This content is adopted. What you save becomes a working copy: the public sees the adopted version "
              "until a reviewer adopts the working copy.",
    },
    "working_copy_notice": {
        "nl": "Er is een werkkopie in behandeling (door {agent}, sinds {saved}) die nog niet is vastgesteld; het publiek ziet de vastgestelde versie.",
        "en": "A working copy is pending (by {agent}, since {saved}) that is not adopted yet; the public sees the adopted version.",
    },
    "working_copy_last_saved": {"nl": "Laatst opgeslagen door {agent} op {saved}.", "en": "Last saved by {agent} at {saved}."},
    "working_copy_editing": {
        "nl": "U bewerkt deze werkkopie: wat u opslaat vult haar aan. Heeft iemand anders haar intussen opgeslagen, dan "
              "wordt uw wijziging geweigerd en ziet u wat er veranderde.",
        "en": "You are editing this working copy: what you save adds to it. If someone else saved it meanwhile, your "
              "change is refused and you see what changed.",
    },
    "working_copy_outdated": {
        "nl": "Let op: de vastgestelde versie is gewijzigd nadat deze werkkopie werd gemaakt. Vaststellen kan pas als de "
              "werkkopie opnieuw is opgeslagen; neem dan de wijziging van de vastgestelde versie over (zie de geschiedenis).",
        "en": "Note: the adopted version changed after this working copy was made. It can be adopted only once the "
              "working copy is saved again; take the change of the adopted version into it (see the history).",
    },
    "working_copy_page_notice": {
        "nl": "Er is een werkkopie in behandeling (door {agent}, sinds {saved}).",
        "en": "A working copy is pending (by {agent}, since {saved}).",
    },
    "working_copy_open": {"nl": "Werkkopie bekijken", "en": "View the working copy"},
    "working_copy_review": {"nl": "Te beoordelen", "en": "To review"},
    "working_copy_badge": {"nl": "werkkopie", "en": "working copy"},
    "working_copy_badge_explained": {"nl": "Er is een werkkopie van deze regel in behandeling",
                                     "en": "A working copy of this row is pending"},
    "working_copy_saved": {
        "nl": "Opgeslagen als werkkopie. Het publiek ziet de vastgestelde versie tot een beoordelaar de werkkopie vaststelt.",
        "en": "Saved as a working copy. The public sees the adopted version until a reviewer adopts the working copy.",
    },
    "working_copy_adopt": {"nl": "Werkkopie vaststellen", "en": "Adopt the working copy"},
    "working_copy_discard": {"nl": "Werkkopie weggooien", "en": "Discard the working copy"},
    "working_copy_adopted": {"nl": "De werkkopie is vastgesteld en nu openbaar.", "en": "The working copy is adopted and now public."},
    "working_copy_discarded": {"nl": "De werkkopie is weggegooid; de vastgestelde versie blijft.",
                               "en": "The working copy is discarded; the adopted version stays."},
    # -- finding by name (api/names.py)
    "names_title": {"nl": "Zoeken op naam", "en": "Find by name"},
    "names_label": {"nl": "Zoeken op naam", "en": "Find by name"},
    "names_button": {"nl": "Zoeken", "en": "Search"},
    "names_results": {"nl": "{count} gevonden voor \u201c{q}\u201d", "en": "{count} found for \u201c{q}\u201d"},
    "names_nothing": {"nl": "Niets gevonden voor \u201c{q}\u201d.", "en": "Nothing found for \u201c{q}\u201d."},
    "names_did_you_mean": {"nl": "Bedoelde u:", "en": "Did you mean:"},
    "names_intro": {"nl": "Zoek bestuursorganen, functies, samenwerkingen, projecten en alle andere inhoud op naam.",
                    "en": "Find governing bodies, posts, partnerships, projects and all other content by name."},
    "names_unknown_type": {"nl": "onbekend inhoudstype: {name}", "en": "unknown content type: {name}"},
    "names_not_found": {"nl": "{field}: \u201c{name}\u201d niet gevonden.", "en": "{field}: \u201c{name}\u201d not found."},
    "names_ambiguous": {"nl": "{field}: meerdere gevonden voor \u201c{name}\u201d; kies er een.",
                        "en": "{field}: several found for \u201c{name}\u201d; choose one."},
    "names_choose": {"nl": "Kies:", "en": "Choose:"},
    # -- resource pages
    "resource_permalink": {"nl": "Vaste link (URI)", "en": "Permanent link (URI)"},
    "resource_incoming_pages": {"nl": "Pagina's van de verwijzingen", "en": "Pages of the links"},
    "pager_prev": {"nl": "Vorige", "en": "Previous"},
    "pager_next": {"nl": "Volgende", "en": "Next"},
    "pager_page": {"nl": "Pagina {page} van {pages}", "en": "Page {page} of {pages}"},
    # -- the lists
    "list_mine": {"nl": "Mijn concepten", "en": "My drafts"},
    "list_to_review": {"nl": "Te beoordelen", "en": "To review"},
    "list_tabs_label": {"nl": "Lijsten", "en": "Lists"},
    "list_intro_mine": {"nl": "De concepten waaraan u werkte en uw werkkopieën van vastgestelde inhoud.",
                        "en": "The drafts you worked on and your working copies of adopted content."},
    "list_intro_to_review": {"nl": "Alle concepten en werkkopieën die op een beoordelaar wachten.",
                             "en": "Every draft and working copy waiting for a reviewer."},
    "list_copies": {"nl": "Werkkopieën van vastgestelde inhoud", "en": "Working copies of adopted content"},
    "list_no_copies": {"nl": "Er zijn geen werkkopieën.", "en": "There are no working copies."},
    "list_changed": {"nl": "Laatst gewijzigd", "en": "Last changed"},
    "list_actions": {"nl": "Acties", "en": "Actions"},
    # -- check, don't save
    "form_check": {"nl": "Controleren, niet opslaan", "en": "Check, don't save"},
    "form_checked_ok": {
        "nl": "Gecontroleerd: deze versie voldoet aan de regels. Er is niets opgeslagen.",
        "en": "Checked: this version passes the rules. Nothing was saved.",
    },
    "form_checked_refused": {
        "nl": "Gecontroleerd: deze versie breekt {count} regel(s). Er is niets opgeslagen.",
        "en": "Checked: this version breaks {count} rule(s). Nothing was saved.",
    },
    # -- header and login
    "login_link": {"nl": "Inloggen", "en": "Log in"},
    "logout_button": {"nl": "Uitloggen", "en": "Log out"},
    "logged_in_as": {"nl": "Ingelogd als {name} ({role})", "en": "Logged in as {name} ({role})"},
    "login_title": {"nl": "Inloggen", "en": "Log in"},
    "login_intro": {
        "nl": "Log in met de naam en het wachtwoord die de beheerder met mag-graph users heeft aangemaakt. "
              "Redacteuren zien daarna ook concepten en kunnen bewerken.",
        "en": "Log in with the name and password the administrator made with mag-graph users. "
              "Editors then also see drafts and can edit.",
    },
    "login_name": {"nl": "Gebruikersnaam", "en": "User name"},
    "login_password": {"nl": "Wachtwoord", "en": "Password"},
    "login_submit": {"nl": "Inloggen", "en": "Log in"},
    "login_missing": {"nl": "Vul naam en wachtwoord in.", "en": "Fill in name and password."},
    "login_failed": {"nl": "Naam of wachtwoord klopt niet.", "en": "Name or password is wrong."},
    "login_limited": {
        "nl": "Te veel mislukte pogingen. Inloggen is vanaf dit adres tijdelijk geblokkeerd; probeer het over {minutes} minuten opnieuw.",
        "en": "Too many failed attempts. Logging in from this address is blocked for now; try again in {minutes} minutes.",
    },
    "csrf_failed": {
        "nl": "Dit formulier is verlopen of komt niet van deze site (het beveiligingstoken ontbreekt of klopt niet). "
              "Er is niets opgeslagen; open de pagina opnieuw en probeer het nog eens.",
        "en": "This form has expired or does not come from this site (the security token is missing or wrong). "
              "Nothing was saved; open the page again and retry.",
    },
    "role_reader": {"nl": "lezer", "en": "reader"},
    "role_editor": {"nl": "redacteur", "en": "editor"},
    "role_reviewer": {"nl": "beoordelaar", "en": "reviewer"},
    "role_admin": {"nl": "beheerder", "en": "administrator"},
    "drafts_shown": {
        "nl": "U ziet ook concepten: ze zijn gemarkeerd en niet openbaar.",
        "en": "You also see drafts: they are marked and not public.",
    },
    "concept_badge": {"nl": "concept", "en": "draft"},
    "concept_explained": {
        "nl": "concept: nog niet vastgesteld, alleen zichtbaar voor redacteuren",
        "en": "draft: not yet adopted, visible to editors only",
    },
    "concept_resource": {
        "nl": "Dit is een concept: nog niet vastgesteld en niet openbaar.",
        "en": "This is a draft: not yet adopted and not public.",
    },
    "nav_workbench": {"nl": "Werkbank", "en": "Workbench"},
    "edit_button": {"nl": "Bewerken", "en": "Edit"},
    "workbench_not_found": {"nl": "{name} bestaat niet (of is niet zichtbaar).", "en": "{name} does not exist (or is not visible)."},
    "workbench_new": {"nl": "Nieuw", "en": "New"},
    "workbench_types": {"nl": "Nieuwe inhoud maken", "en": "Create new content"},
    "workbench_drafts": {"nl": "Concepten", "en": "Drafts"},
    "workbench_drafts_intro": {
        "nl": "Nog niet vastgestelde inhoud: af te maken door redacteuren, vast te stellen door beoordelaars.",
        "en": "Content not yet adopted: to be finished by editors, to be adopted by reviewers.",
    },
    "workbench_no_drafts": {"nl": "Er zijn geen concepten.", "en": "There are no drafts."},
    "workbench_type": {"nl": "Soort", "en": "Type"},
    "workbench_name": {"nl": "Naam", "en": "Name"},
    "state_concept": {"nl": "concept", "en": "draft"},
    "state_vastgesteld": {"nl": "vastgesteld", "en": "adopted"},
    "state_gearchiveerd": {"nl": "gearchiveerd", "en": "archived"},
    # -- review, history, delete
    "tabs_label": {"nl": "Onderdelen van dit item", "en": "Parts of this item"},
    "history_tab": {"nl": "Geschiedenis", "en": "History"},
    "delete_tab": {"nl": "Verwijderen", "en": "Delete"},
    "review_intro": {"nl": "Werkstroom:", "en": "Workflow:"},
    "review_done": {"nl": "Stap \u201c{step}\u201d gezet: nu {state}.", "en": "Step \u201c{step}\u201d taken: now {state}."},
    "history_title": {"nl": "Geschiedenis: {name}", "en": "History: {name}"},
    "history_none": {"nl": "Nog geen versies.", "en": "No revisions yet."},
    "history_transition": {"nl": "werkstroomstap {step}", "en": "workflow step {step}"},
    "history_revert": {"nl": "teruggezet", "en": "reverted"},
    "history_action_create": {"nl": "aangemaakt", "en": "created"},
    "history_action_update": {"nl": "gewijzigd", "en": "changed"},
    "history_action_replace": {"nl": "vervangen", "en": "replaced"},
    "history_action_patch": {"nl": "gewijzigd", "en": "changed"},
    "history_action_delete": {"nl": "verwijderd", "en": "deleted"},
    "history_action_import": {"nl": "geïmporteerd", "en": "imported"},
    "history_action_revert": {"nl": "teruggezet", "en": "reverted"},
    "history_changes": {"nl": "Wat er veranderde", "en": "What changed"},
    "history_before": {"nl": "Was", "en": "Was"},
    "history_after": {"nl": "Werd", "en": "Became"},
    "history_no_field_changes": {"nl": "Geen veldwijzigingen.", "en": "No changes of fields."},
    "history_revert_button": {"nl": "Terugzetten naar deze versie", "en": "Revert to this revision"},
    "history_reverted": {"nl": "Teruggezet als nieuwe versie ({state}).", "en": "Reverted as a new revision ({state})."},
    "delete_title": {"nl": "Verwijderen: {name}", "en": "Delete: {name}"},
    "delete_referrers": {"nl": "{count} item(s) verwijzen hiernaar", "en": "{count} item(s) refer to this"},
    "delete_referrers_intro": {
        "nl": "Haal eerst deze verwijzingen weg; anders zouden ze naar niets wijzen.",
        "en": "Remove these references first; otherwise they would point at nothing.",
    },
    "delete_no_referrers": {"nl": "Niets verwijst hiernaar; verwijderen kan.", "en": "Nothing refers to this; it can be deleted."},
    "delete_button": {"nl": "Definitief verwijderen", "en": "Delete for good"},
    "delete_force_button": {"nl": "Toch verwijderen, met de verwijzingen (beheerder)", "en": "Delete anyway, with the references (administrator)"},
    "delete_has_referrers": {"nl": "Niet verwijderd: er verwijzen nog items naar.", "en": "Not deleted: items still refer to it."},
    "delete_done": {"nl": "{name} is verwijderd.", "en": "{name} was deleted."},
    # -- forms
    "form_create_title": {"nl": "Nieuw: {type}", "en": "New: {type}"},
    "form_edit_title": {"nl": "Bewerken: {type}", "en": "Edit: {type}"},
    "form_view_page": {"nl": "Bekijk de pagina", "en": "View the page"},
    "form_type": {"nl": "Soort", "en": "Kind"},
    "form_required": {"nl": "verplicht", "en": "required"},
    "form_recommended": {"nl": "aanbevolen", "en": "recommended"},
    "form_lang_nl": {"nl": "Nederlands", "en": "Dutch"},
    "form_lang_en": {"nl": "Engels", "en": "English"},
    "form_choose": {"nl": "(kies)", "en": "(choose)"},
    "form_none": {"nl": "(geen)", "en": "(none)"},
    "form_period_begin": {"nl": "Begindatum", "en": "Start date"},
    "form_period_end": {"nl": "Einddatum", "en": "End date"},
    "form_search_label": {"nl": "Zoek op naam", "en": "Search by name"},
    "form_search_button": {"nl": "Zoeken", "en": "Search"},
    "form_search_results": {"nl": "Gevonden voor {field}", "en": "Found for {field}"},
    "form_search_nothing": {"nl": "Niets gevonden voor \u201c{query}\u201d.", "en": "Nothing found for \u201c{query}\u201d."},
    "form_add_value": {"nl": "Waarde toevoegen", "en": "Add a value"},
    "form_rules": {"nl": "regels", "en": "rules"},
    "form_field": {"nl": "Veld", "en": "Field"},
    "form_save": {"nl": "Opslaan", "en": "Save"},
    "form_refused": {
        "nl": "Niet opgeslagen: {count} melding(en). Niets is gewijzigd; pas de velden aan en sla opnieuw op.",
        "en": "Not saved: {count} finding(s). Nothing was changed; correct the fields and save again.",
    },
    "form_has_errors": {"nl": "{count} melding(en) bij de velden hieronder.", "en": "{count} finding(s) at the fields below."},
    "form_created": {"nl": "Aangemaakt als {state}.", "en": "Created as {state}."},
    "form_saved": {"nl": "Opgeslagen ({state}).", "en": "Saved ({state})."},
    "form_unchanged": {"nl": "Niets gewijzigd.", "en": "Nothing changed."},
    "form_stale": {
        "nl": "Iemand anders heeft dit intussen gewijzigd. Uw wijziging is niet opgeslagen. Hieronder staat wat er nu is opgeslagen naast uw invoer; laad het formulier opnieuw om verder te gaan vanaf de nieuwe versie.",
        "en": "Someone else changed this meanwhile. Your change was not saved. Below is what is stored now next to your input; reload the form to continue from the new version.",
    },
    "form_stale_copy": {
        "nl": "Iemand anders heeft de werkkopie intussen opgeslagen (of er is intussen een werkkopie gemaakt). Uw wijziging is niet opgeslagen. Hieronder staat wat de werkkopie nu bevat naast uw invoer; laad het formulier opnieuw om verder te gaan vanaf de werkkopie.",
        "en": "Someone else saved the working copy meanwhile (or a working copy was made meanwhile). Your change was not saved. Below is what the working copy holds now next to your input; reload the form to continue from the working copy.",
    },
    "form_stale_changes": {"nl": "Verschillen", "en": "Differences"},
    "form_stale_stored": {"nl": "Nu opgeslagen", "en": "Stored now"},
    "form_stale_mine": {"nl": "Uw invoer", "en": "Your input"},
    "form_reload": {"nl": "Opnieuw laden", "en": "Reload"},
    "form_bad_money": {"nl": "{value} is geen bedrag in euro's (bijvoorbeeld 9.707,50).", "en": "{value} is not an amount in euros (for example 9,707.50 written as 9.707,50)."},
    "form_bad_date": {"nl": "{value} is geen datum (jjjj-mm-dd).", "en": "{value} is not a date (yyyy-mm-dd)."},
    "form_bad_year": {"nl": "{value} is geen jaartal (vier cijfers).", "en": "{value} is not a year (four digits)."},
    "form_bad_number": {"nl": "{value} is geen getal.", "en": "{value} is not a number."},
    "form_bad_choice": {"nl": "{value} is geen van de keuzes.", "en": "{value} is not one of the choices."},
    "form_bad_reference": {"nl": "Kies een verwijzing met de zoekfunctie.", "en": "Pick a reference with the search."},
    "form_one_value": {"nl": "Hier past maar één waarde.", "en": "Only one value fits here."},
    # -- workbench
    "workbench_title": {"nl": "Werkbank", "en": "Workbench"},
    "workbench_intro": {
        "nl": "Maak en bewerk inhoud met formulieren die uit de SHACL-vormen volgen; elke wijziging wordt gevalideerd en bewaard als versie.",
        "en": "Create and edit content with forms that follow from the SHACL shapes; every change is validated and kept as a revision.",
    },
    "workbench_role_needed": {
        "nl": "{name} heeft hiervoor niet genoeg rechten; nodig is de rol {role}.",
        "en": "{name} does not have enough rights for this; it needs the role {role}.",
    },
}

__all__ = ["WORKBENCH_STRINGS"]
