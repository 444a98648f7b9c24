"""Names for what the staff pages show as codes: roles, priorities, actions and their outcome
messages, form fields and event types (the admin pages reuse ROLES and FIELD_LABELS).

Status, theme, initiator kind and outcome names are shared with the public pages and live in
web/i18n.py (outcomes in participatie/application/labels.py, which the e-mail uses too).
"""

from __future__ import annotations

from flask_babel import lazy_gettext

ROLES = {
    "area_manager": lazy_gettext("Gebiedsmanager"),
    "team_member": lazy_gettext("Teamlid"),
    "regie": lazy_gettext("Regie"),
    "line_department": lazy_gettext("Lijnafdeling"),
    "auditor": lazy_gettext("Auditor"),
    "admin": lazy_gettext("Beheerder"),
    "initiator": lazy_gettext("Indiener"),
    "supporter": lazy_gettext("Steunbetuiger"),
    "system": lazy_gettext("Systeem"),
}
PRIORITIES = {
    "urgent": lazy_gettext("Spoed"),
    "high": lazy_gettext("Hoog"),
    "normal": lazy_gettext("Normaal"),
    "low": lazy_gettext("Laag"),
}
ACTION_LABELS = {
    "accept_handoff": lazy_gettext("Overdracht accepteren"),
    "decline_handoff": lazy_gettext("Overdracht weigeren"),
    "assign": lazy_gettext("Toewijzen"),
    "set_priority": lazy_gettext("Prioriteit zetten"),
    "add_internal_note": lazy_gettext("Interne notitie"),
    "post_public_update": lazy_gettext("Openbaar bericht"),
    "request_info": lazy_gettext("Informatie vragen aan de indiener"),
    "forward": lazy_gettext("Doorsturen naar een ander team"),
    "escalate": lazy_gettext("Voorleggen aan regie"),
    "decide": lazy_gettext("Besluiten"),
    "publish_decision": lazy_gettext("Besluit publiceren"),
    "start_execution": lazy_gettext("Uitvoering starten"),
    "complete": lazy_gettext("Afronden"),
    "merge": lazy_gettext("Samenvoegen met een ander initiatief"),
    "reroute": lazy_gettext("Opnieuw routeren"),
    "change_details": lazy_gettext("Thema of locatie aanpassen"),
}
DONE = {
    "accept_handoff": lazy_gettext("De overdracht is geaccepteerd."),
    "decline_handoff": lazy_gettext("De overdracht is geweigerd; het initiatief gaat naar regie."),
    "assign": lazy_gettext("De toewijzing is opgeslagen."),
    "set_priority": lazy_gettext("De prioriteit is opgeslagen."),
    "add_internal_note": lazy_gettext("De notitie is opgeslagen."),
    "post_public_update": lazy_gettext("Het bericht is gepubliceerd."),
    "request_info": lazy_gettext("De vraag is naar de indiener gestuurd."),
    "forward": lazy_gettext("Het initiatief is doorgestuurd."),
    "escalate": lazy_gettext("Het initiatief is voorgelegd aan regie."),
    "decide": lazy_gettext(
        "Het besluit is vastgelegd. Publiceer het als de indiener het mag zien."
    ),
    "publish_decision": lazy_gettext("Het besluit is gepubliceerd."),
    "start_execution": lazy_gettext("De uitvoering is gestart."),
    "complete": lazy_gettext("Het initiatief is afgerond."),
    "merge": lazy_gettext("Het initiatief is samengevoegd."),
    "reroute": lazy_gettext("Het initiatief is opnieuw gerouteerd."),
    "reroute_same": lazy_gettext("Opnieuw routeren verandert niets: de teams blijven dezelfde."),
    "change_details": lazy_gettext("Thema of locatie is aangepast."),
}
FIELD_LABELS = {
    "reason": lazy_gettext("Reden"),
    "assignee": lazy_gettext("Toewijzen aan"),
    "priority": lazy_gettext("Prioriteit"),
    "note": lazy_gettext("Notitie"),
    "message": lazy_gettext("Bericht"),
    "question": lazy_gettext("Vraag"),
    "to_team": lazy_gettext("Naar team"),
    "involved_teams": lazy_gettext("Betrokken teams"),
    "outcome": lazy_gettext("Besluit"),
    "rationale": lazy_gettext("Onderbouwing voor de indiener"),
    "into": lazy_gettext("Samenvoegen met (nummer)"),
    "themes": lazy_gettext("Thema's"),
    "area_code": lazy_gettext("Gebiedscode"),
    "version": lazy_gettext("Versie"),
    "ids": lazy_gettext("Selectie"),
    "bulk_action": lazy_gettext("Actie"),
    "username": lazy_gettext("Gebruikersnaam"),
    "password": lazy_gettext("Wachtwoord"),
    "title": lazy_gettext("Openbare titel"),
    "description": lazy_gettext("Openbare beschrijving"),
    "score": lazy_gettext("Tevredenheid (1 tot 5)"),
    "comment": lazy_gettext("Toelichting van de indiener"),
}
# Where the public text of an initiative stands (domain.values.Moderation).
MODERATION = {
    "none": lazy_gettext("Niet openbaar: de indiener gaf geen toestemming"),
    "pending": lazy_gettext("Wacht op moderatie"),
    "approved": lazy_gettext("Openbaar zoals ingediend"),
    "redacted": lazy_gettext("Openbaar in een aangepaste versie"),
    "hidden": lazy_gettext("Verborgen door de moderator"),
}
EVENTS = {
    "Submitted": lazy_gettext("Ingediend"),
    "Routed": lazy_gettext("Gerouteerd"),
    "Rerouted": lazy_gettext("Opnieuw gerouteerd"),
    "DetailsChanged": lazy_gettext("Thema of locatie aangepast"),
    "HandoffAccepted": lazy_gettext("Overdracht geaccepteerd"),
    "HandoffDeclined": lazy_gettext("Overdracht geweigerd"),
    "InformationRequested": lazy_gettext("Informatie gevraagd"),
    "InformationProvided": lazy_gettext("Informatie gegeven"),
    "Forwarded": lazy_gettext("Doorgestuurd"),
    "Escalated": lazy_gettext("Voorgelegd aan regie"),
    "PrioritySet": lazy_gettext("Prioriteit gezet"),
    "Assigned": lazy_gettext("Toegewezen"),
    "InternalNoteAdded": lazy_gettext("Interne notitie"),
    "PublicUpdatePosted": lazy_gettext("Openbaar bericht"),
    "Decided": lazy_gettext("Besluit genomen"),
    "DecisionPublished": lazy_gettext("Besluit gepubliceerd"),
    "ExecutionStarted": lazy_gettext("Uitvoering gestart"),
    "Completed": lazy_gettext("Afgerond"),
    "Withdrawn": lazy_gettext("Ingetrokken"),
    "Merged": lazy_gettext("Samengevoegd"),
    "EmailConfirmed": lazy_gettext("E-mailadres bevestigd"),
    "Supported": lazy_gettext("Steun ontvangen"),
    "DeadlineMissed": lazy_gettext("Termijn verstreken"),
    "PersonalDataErased": lazy_gettext("Persoonsgegevens verwijderd"),
    "PublicTextApproved": lazy_gettext("Openbare tekst goedgekeurd"),
    "PublicTextRedacted": lazy_gettext("Openbare tekst aangepast"),
    "PublicTextHidden": lazy_gettext("Openbare tekst verborgen"),
    "MailPreferencesSet": lazy_gettext("E-mailvoorkeuren van de indiener gewijzigd"),
    "SupporterUpdatesStopped": lazy_gettext("Steunbetuiger wil geen berichten meer"),
    "OutcomeRated": lazy_gettext("Tevredenheid van de indiener gegeven"),
    "Reopened": lazy_gettext("Heropend op verzoek van de indiener"),
}
# Event details shown on the timeline (others are internal bookkeeping or sealed).
SHOWN_DETAILS = (
    "question",
    "answer",
    "note",
    "message",
    "outcome",
    "rationale",
    "to_team",
    "priority",
    "assignee",
    "team",
    "into",
    "deadline",
    "due",
    "score",
    "comment",
)
