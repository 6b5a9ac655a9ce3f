"""A service's pages for people: templates, the signed-in person, forms checked against CSRF,
and refusals answered as pages (docs/adr/0040).

Each service that serves pages makes one ``Site`` and adds its routes to ``site.router()``:

    site = Site("abeyance", "Notices", home="/inbox", templates="services.abeyance.entrypoints")
    router = site.router({NoSuchRecord: 404})

    @router.get("/inbox")
    async def inbox(request: Request, person: SignedIn = Depends(site.person)) -> HTMLResponse:
        return site.page(request, "inbox.html", person, title="Notices", notices=...)

The router also holds the sign-in and sign-out pages and the shared stylesheet. A route that
needs a person and finds no live session sends the browser to the sign-in page; ``Forbidden``
and the refusals named become a page with the matching status. Pages are rendered by Jinja2
with autoescaping, and every page goes out with headers that keep it out of caches and frames
and allow nothing but this origin's stylesheet and forms.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from starlette.datastructures import FormData

from services.platform.auth import Caller, Forbidden
from services.platform.http import runtime_of
from services.platform.pages.sessions import Lifetime, PostgresSessions
from services.program import PROGRAM_TIME_ZONE, default_program

STYLESHEET = "/assets/pages.css"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
        " frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""Pages may show a person's name: never cached, never framed, nothing loaded from elsewhere."""


@dataclass(frozen=True)
class SignedIn:
    """The person behind a request: the caller their token stood for, in a live session."""

    caller: Caller
    form_token: str
    session_id: str


class SignInRequired(Exception):
    def __init__(self, *, expired: bool) -> None:
        super().__init__("sign in first")
        self.expired = expired


class PageRefused(Exception):
    """A page's own refusal, shown as a page with ``status``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def local_time(moment: datetime | str | None, zone: str = PROGRAM_TIME_ZONE) -> str:
    """A moment as people at the program read it: local date and time with the zone."""
    if moment is None:
        return ""
    instant = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return instant.astimezone(ZoneInfo(zone)).strftime("%b %-d, %Y, %-I:%M %p %Z")


def long_date(day: date | str | None) -> str:
    if day is None:
        return ""
    return (date.fromisoformat(day) if isinstance(day, str) else day).strftime("%b %-d, %Y")


def words(code: object) -> str:
    """A code as words: ``care_plan`` reads "care plan"."""
    return str(code).replace("_", " ")


def agency_name(code: str) -> str:
    agency = default_program().agency(code)
    return agency.name if agency else code


def _safe_next(target: str | None, home: str) -> str:
    """Where to go after signing in: a path on this service only, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return home


class Site:
    def __init__(self, service: str, name: str, *, home: str, templates: str) -> None:
        self.service = service
        self.name = name
        self.home = home
        self.env = Environment(
            loader=ChoiceLoader(
                [
                    PackageLoader(templates, "templates"),
                    PackageLoader("services.platform.pages", "templates"),
                ]
            ),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(local_time=local_time, long_date=long_date, words=words)
        self.env.filters["agency"] = agency_name

    # --- rendering ----------------------------------------------------------------------------

    def page(
        self,
        request: Request,
        template: str,
        person: SignedIn | None,
        *,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        html = self.env.get_template(template).render(
            site=self, person=person, who=self.who(person), path=request.url.path, **context
        )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def who(self, person: SignedIn | None) -> str:
        if person is None:
            return ""
        caller = person.caller
        return f"{words(caller.role.value)}, {agency_name(caller.agency)}"

    def refused(self, request: Request, status: int, reason: str) -> HTMLResponse:
        titles = {403: "Not for you", 404: "Not found", 409: "Not possible now"}
        title = titles.get(status, "Refused")
        return self.page(request, "refused.html", None, status=status, title=title, reason=reason)

    # --- the person and their forms -----------------------------------------------------------

    def cookie(self, request: Request) -> tuple[str, bool]:
        """The session cookie's name and whether it is Secure (over TLS, or as configured);
        a Secure one is a ``__Host-`` cookie: this host only, every path."""
        configured = runtime_of(request).settings.session_cookie_secure
        secure = request.url.scheme == "https" if configured is None else configured
        return (f"__Host-lead-{self.service}" if secure else f"lead-{self.service}"), secure

    def sessions(self, request: Request) -> PostgresSessions:
        runtime = runtime_of(request)
        return PostgresSessions(runtime.pool, Lifetime.of(runtime.settings))

    async def person(self, request: Request) -> SignedIn:
        """A dependency: the signed-in person (otherwise to the sign-in page)."""
        session_id = request.cookies.get(self.cookie(request)[0])
        session = await self.sessions(request).resume(session_id) if session_id else None
        if session is None or session_id is None:
            raise SignInRequired(expired=session_id is not None)
        return SignedIn(session.caller, session.form_token, session_id)

    async def checked_form(self, request: Request, person: SignedIn) -> FormData:
        """The form a person sent, once it carries their session's form token (CSRF)."""
        form = await request.form()
        sent = form.get("form_token")
        if not isinstance(sent, str) or not secrets.compare_digest(sent, person.form_token):
            raise PageRefused(403, "This form has expired. Go back, reload the page, try again.")
        _same_site_only(request)
        return form

    def to_sign_in(self, request: Request, needed: SignInRequired) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        after = target if request.method == "GET" else self.home
        expired = "&expired=1" if needed.expired else ""
        return RedirectResponse(f"/sign-in?next={quote(after)}{expired}", status_code=303)

    # --- routes -------------------------------------------------------------------------------

    def router(self, refusals: Mapping[type[Exception], int] | None = None) -> APIRouter:
        """The router of the service's pages, with sign-in, sign-out and the stylesheet."""
        router = APIRouter(tags=["pages"], route_class=self._route_class(refusals or {}))
        _sign_in_routes(self, router)
        return router

    def _route_class(self, refusals: Mapping[type[Exception], int]) -> type[APIRoute]:
        site = self
        handled = tuple(refusals)

        class PageRoute(APIRoute):
            def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
                handler = super().get_route_handler()

                async def guarded(request: Request) -> Response:
                    try:
                        return await handler(request)
                    except SignInRequired as needed:
                        return site.to_sign_in(request, needed)
                    except PageRefused as refusal:
                        return site.refused(request, refusal.status, refusal.reason)
                    except Forbidden as refusal:
                        return site.refused(request, 403, refusal.reason)
                    except RequestValidationError:
                        return site.refused(request, 404, "There is no such page.")
                    except handled as refusal:
                        return site.refused(request, refusals[type(refusal)], str(refusal))

                return guarded

        return PageRoute


def _same_site_only(request: Request) -> None:
    """Browsers say where a request came from; a form sent from another site is refused."""
    if request.headers.get("sec-fetch-site", "same-origin") == "cross-site":
        raise PageRefused(403, "Forms are only accepted from this service's own pages.")


def _sign_in_routes(site: Site, router: APIRouter) -> None:
    stylesheet = resources.files("services.platform.pages").joinpath("static/pages.css").read_text()
    guard_cookie = f"lead-{site.service}-sign-in"

    @router.get(STYLESHEET, include_in_schema=False)
    async def pages_stylesheet() -> Response:
        return Response(stylesheet, media_type="text/css", headers={"Cache-Control": "max-age=600"})

    @router.get("/sign-in", include_in_schema=False)
    async def sign_in_page(request: Request, next: str = "", expired: str = "") -> Response:
        message = "Your session ended. Sign in again to go on." if expired else ""
        return _sign_in_form(site, request, guard_cookie, next, message, 200, alert=bool(expired))

    @router.post("/sign-in", include_in_schema=False)
    async def sign_in(request: Request) -> Response:
        form = await request.form()
        after = _safe_next(str(form.get("next", "")), site.home)
        guard = request.cookies.get(guard_cookie, "")
        sent = str(form.get("form_token", ""))
        if not guard or not secrets.compare_digest(guard, sent):
            message = "This sign-in form has expired; please try again."
            return _sign_in_form(site, request, guard_cookie, after, message, 403)
        _same_site_only(request)
        token = str(form.get("token", "")).strip()
        runtime = runtime_of(request)
        caller = await runtime.authenticate.caller_for(token) if token else None
        if caller is None:
            message = "That token is not valid (unknown, mistyped or revoked)."
            return _sign_in_form(site, request, guard_cookie, after, message, 401, bad=True)
        session_id = await site.sessions(request).start(caller, token)
        response = RedirectResponse(after, status_code=303)
        name, secure = site.cookie(request)
        response.set_cookie(
            name, session_id, httponly=True, secure=secure, samesite="strict", path="/"
        )
        response.delete_cookie(guard_cookie, path="/sign-in")
        return response

    @router.post("/sign-out", include_in_schema=False)
    async def sign_out(request: Request) -> Response:
        person = await site.person(request)
        await site.checked_form(request, person)
        await site.sessions(request).end(person.session_id)
        response = RedirectResponse("/sign-in?signed_out=1", status_code=303)
        response.delete_cookie(site.cookie(request)[0], path="/")
        return response


def _sign_in_form(
    site: Site,
    request: Request,
    guard_cookie: str,
    after: str,
    message: str,
    status: int,
    *,
    bad: bool = False,
    alert: bool = True,
) -> Response:
    """The sign-in form, with a fresh guard: the same random value in a cookie and in the form
    (double submit), so that no other site can sign a browser in to an account of its own."""
    guard = secrets.token_urlsafe(32)
    signed_out = request.query_params.get("signed_out") == "1"
    response = site.page(
        request,
        "sign_in.html",
        None,
        status=status,
        title="Sign in",
        form_token=guard,
        after=_safe_next(after, site.home),
        message=message or ("You have signed out." if signed_out else ""),
        bad_token=bad,
        alert=alert and bool(message),
    )
    secure = site.cookie(request)[1]
    response.set_cookie(
        guard_cookie, guard, httponly=True, secure=secure, samesite="strict", path="/sign-in"
    )
    return response
