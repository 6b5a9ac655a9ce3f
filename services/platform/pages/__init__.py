"""Pages for the people who use the system, shared by the services that serve them: sign-in
with a personal token, sessions, CSRF-checked forms, templates and one small stylesheet
(docs/adr/0040)."""

from services.platform.pages.site import PageRefused, SignedIn, Site

__all__ = ["PageRefused", "SignedIn", "Site"]
