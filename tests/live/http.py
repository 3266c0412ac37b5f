"""Talking to a running portal over HTTP as its users do: a browser-like session (forms, CSRF token from the
page, session cookie, redirects) and the platform's JSON API client.

In production the portal sits behind a TLS proxy that sets ``X-Forwarded-Proto: https`` (README,
"Production"); its cookies are ``Secure``. ``TlsProxyAdapter`` plays that proxy: users' URLs are https://, the
request goes to gunicorn over plain HTTP with the header, exactly as the proxy would forward it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter

from .stacks import Stack


class TlsProxyAdapter(HTTPAdapter):
    def send(self, request, **kwargs):
        original = request.url
        proxied = request.copy()
        proxied.url = "http://" + original[len("https://"):]
        proxied.headers["X-Forwarded-Proto"] = "https"
        response = super().send(proxied, **kwargs)
        response.url, response.request = original, request
        return response


def session_for(stack: Stack) -> requests.Session:
    session = requests.Session()
    if stack.behind_tls_proxy:
        session.mount("https://", TlsProxyAdapter())
    return session


# --------------------------------------------------------------------------- HTML forms


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # successful controls' default values
    names: set[str] = field(default_factory=set)  # every control's name
    attrs: dict[str, str] = field(default_factory=dict)

    def data(self, **values) -> list[tuple[str, str]]:
        """The form as a browser would send it with ``values`` typed in (None: leave the control empty/off)."""
        unknown = set(values) - self.names
        assert not unknown, f"the form at {self.action} has no field(s) {sorted(unknown)}; it has {sorted(self.names)}"
        out = [(k, v) for k, v in self.fields if k not in values]
        for k, v in values.items():
            if v is None:
                continue
            for item in v if isinstance(v, list | tuple) else [v]:
                out.append((k, str(item)))
        return out


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower(), attrs=a)
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            form.names.add(name)
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
                return
            form.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            form.names.add(name)
            self._select = {"name": name, "chosen": None, "first": None}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag == "textarea" and name:
            form.names.add(name)
            self._textarea = {"name": name, "text": ""}
        elif tag == "button" and name:
            form.names.add(name)

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value = self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
            if self._select["first"] is None:
                self._select["first"] = value
            if self._option["selected"]:
                self._select["chosen"] = value
        self._option = None

    def handle_endtag(self, tag):
        if tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            chosen = self._select["chosen"] if self._select["chosen"] is not None else self._select["first"]
            if chosen is not None and self._form is not None:
                self._form.fields.append((self._select["name"], chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form.fields.append((self._textarea["name"], self._textarea["text"].removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_in(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def text_of(html: str) -> str:
    """The page's visible text, whitespace collapsed (for asserting what a user reads)."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return " ".join(unescape(re.sub(r"(?s)<[^>]+>", " ", html)).split())


# --------------------------------------------------------------------------- a user in a browser


class Browser:
    """One person's browser: a session cookie, forms filled from the page they were served."""

    def __init__(self, stack: Stack):
        self.stack = stack
        self.http = session_for(stack)
        self.page: requests.Response | None = None

    def get(self, path: str, *, expect: int = 200) -> requests.Response:
        response = self.http.get(self.stack.url(path), timeout=30)
        assert response.status_code == expect, self._explain(response, f"GET {path}: expected {expect}")
        self.page = response
        return response

    def text(self) -> str:
        return text_of(self.page.text)

    def shows(self, *phrases: str) -> str:
        """Assert the current page shows every phrase (visible text); returns the text."""
        text = self.text()
        missing = [p for p in phrases if p not in text]
        assert not missing, f"{self.page.url} does not show {missing}; it shows:\n{text[:3000]}"
        return text

    def form(self, *, action: str | None = None, containing: str | None = None, index: int = 0) -> Form:
        """A form of the current page: with this action (its path), or with a control named ``containing``."""
        found = forms_in(self.page.text)
        if action is not None:
            found = [f for f in found if f.action == action]
        if containing is not None:
            found = [f for f in found if containing in f.names]
        assert len(found) > index, f"no such form on {self.page.url} (action={action}, containing={containing})"
        return found[index]

    def submit(self, form: Form, *, expect: int = 200, **values) -> requests.Response:
        """Send a form as a browser does (Origin header, the page's CSRF token) and follow the redirect."""
        url = urljoin(self.page.url, form.action or self.page.url)
        origin = self.stack.base_url.rstrip("/")
        response = self.http.request(form.method.upper() if form.method else "GET", url, data=form.data(**values),
                                     headers={"Origin": origin, "Referer": self.page.url}, timeout=30)
        assert response.status_code == expect, self._explain(response, f"POST {url}: expected {expect}")
        self.page = response
        return response

    def post(self, path: str, data: dict, *, expect: int) -> requests.Response:
        """A POST made up by hand (with the session's CSRF cookie as token): for requests that must be refused."""
        token = next((c.value for c in self.http.cookies if c.name == "csrftoken"), "")
        response = self.http.post(self.stack.url(path), data={"csrfmiddlewaretoken": token, **data},
                                  headers={"Origin": self.stack.base_url.rstrip("/"), "Referer": self.stack.url(path)},
                                  allow_redirects=False, timeout=30)
        assert response.status_code == expect, self._explain(response, f"POST {path}: expected {expect}")
        return response

    def login(self, username: str) -> Browser:
        """The log-in form, then the code step when the portal asks for it (every user of these stacks has
        seed_demo's fixed authenticator secret for their name)."""
        self.get("/login/")
        self.submit(self.form(containing="username"), username=username, password=self.stack.password)
        assert "/login/" not in self.page.url, f"{username} could not log in: {self.text()[:500]}"
        if "/two-factor/" in self.page.url:
            self.submit(self.form(containing="code"), code=authenticator_code(username))
            assert "/two-factor/" not in self.page.url, f"{username}'s code was refused: {self.text()[:500]}"
        assert "Log out" in self.text()
        return self

    @staticmethod
    def _explain(response, what: str) -> str:
        return f"{what}, got {response.status_code} at {response.url}:\n{text_of(response.text)[:1500]}"


_used_steps: dict[str, int] = {}  # the last time step whose code each user gave (a code works once)


def authenticator_code(username: str) -> str:
    """The code ``username``'s authenticator app (seed_demo's fixed secret) shows: now, or the next step's when
    this step's was used already by this process (the portal takes one step ahead); else wait for the next step."""
    from django_otp.oath import TOTP

    from facilities.management.commands.seed_demo import demo_totp_key

    totp = TOTP(bytes.fromhex(demo_totp_key(username)))
    totp.time = time.time()
    now = totp.t()
    step = max(now, _used_steps.get(username, -1) + 1)
    if step > now + 1:
        time.sleep(30 - totp.time % 30 + 0.05)
        return authenticator_code(username)
    _used_steps[username] = step
    totp.time += 30 * (step - now)
    return f"{totp.token():06d}"


def logged_in(stack: Stack, username: str) -> Browser:
    """``username``'s browser, logged in with the login form once per stack (a password check costs a second)."""
    browser = stack.sessions.get(username)
    if browser is None:
        browser = stack.sessions[username] = Browser(stack).login(username)
    return browser


# --------------------------------------------------------------------------- the platform


class Platform:
    """The telephone platform / jail management system: JSON with ``Authorization: Token``."""

    def __init__(self, stack: Stack, token: str | None = None):
        self.stack = stack
        self.http = session_for(stack)
        self.token = stack.token if token is None else token

    def call(self, method: str, path: str, body=None, *, expect: int, raw: bytes | None = None,
             headers: dict | None = None) -> dict:
        sent = {"Accept": "application/json", **({"Authorization": f"Token {self.token}"} if self.token else {})}
        if raw is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        response = self.http.request(method, self.stack.url(path), json=body if raw is None else None, data=raw,
                                     headers=sent, timeout=30, allow_redirects=False)
        assert response.status_code == expect, (
            f"{method} {path}: expected {expect}, got {response.status_code}: {response.text[:1500]}"
        )
        assert response.headers.get("Content-Type", "").startswith("application/json"), response.headers
        return response.json()

    def get(self, path: str, *, expect: int = 200) -> dict:
        return self.call("GET", path, expect=expect)

    def post(self, path: str, body=None, *, expect: int) -> dict:
        return self.call("POST", path, body, expect=expect)
