"""``/admin/`` in the permission matrix and the crawler: every admin URL, for every persona, with the
ids of their own facility and of another one, GET and POST; nothing changes and nothing leaks.

The URLs come from the admin itself (``admin.site.get_urls()`` and each registered ModelAdmin's
``get_urls()``), so a model registered tomorrow, or a new kind of admin URL, is covered (or makes
this module fail until it is) without editing a list here.

The data set is the crawler's (``tests/test_crawl.py``: two facilities' realistic records built
through the services), plus a platform client per facility and a superuser. For each model the
matrix takes one record that only ``home`` may see and one that only ``other`` may see; then each
persona asks, for each of them: the list, the list as CSV, the list's actions (POST, every action
the model has, on that record), the add form, the change form, the history, one past version (the
revert form), the delete page, and, for users, the password form. Every POST carries a complete,
valid form (what the change page would send if editing were allowed, checked valid by the form),
so a refusal means a refusal and not a bad form.

Checked for every request: never a 5xx; nothing in the database changes (a fingerprint of every
row of every table of the apps, their history tables, the audit trail, users, groups and the admin
log), except what a superuser may do to system records (facilities, roles, platform clients, users,
groups), which must then come with an audit event by that superuser in the same request; a CSV
export adds exactly its own ``csv_export`` event. For a user of one facility, no identifying value
of the other facility (register numbers, names, contacts, numbers, cases, orders) appears in any
answer. People without an admin role are sent to the admin's login page; auditors read their
facility's records (the page names the record) and reach another facility's only as the change
page answers for a record that does not exist.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from facilities.admin_base import ScopedReadOnlyAdmin
from facilities.models import Facility
from facilities.scoping import scope_for_user
from tests.auth import signed_in

from .admin_forms import add_form_data, change_form_data, editable_admin
from .factories import UserFactory, platform_client
from .test_crawl import world  # noqa: F401  (the crawler's data set, built once for this module too)

PERSONAS = ["staff", "warden", "auditor", "auditor_all", "investigator", "other_staff", "other_warden", "superuser",
            "anonymous"]
# Investigators hold view permissions on their watch lists (for their own pages), but no admin role.
NO_ADMIN = {"staff", "warden", "investigator", "other_staff", "other_warden", "anonymous"}
ONE_FACILITY = {"staff": "home", "warden": "home", "auditor": "home", "investigator": "home", "other_staff": "other",
                "other_warden": "other"}
# Site-wide admin URLs and what the matrix does with them. A new one fails test_the_matrix_sees_every_admin_url.
SITE_URLS = {"index": "walk", "app_list": "walk", "autocomplete": "walk", "jsi18n": "walk", "view_on_site": "walk",
             "login": "skip: the login page", "logout": "skip: it ends the persona's session",
             "password_change": "walk (GET only: a valid POST changes the persona's own password)",
             "password_change_done": "walk"}
MODEL_URLS = {"changelist", "add", "history", "delete", "change", "simple_history", "password_change", None}
SKIP_TABLES = {"django_session", "axes_accessattempt", "axes_accessfailurelog", "axes_accesslog",
               "django_migrations", "django_content_type", "auth_permission"}


# --------------------------------------------------------------------------- the data set and its fingerprint


def _tables() -> list[str]:
    names = connection.introspection.table_names()
    return sorted(t for t in names if t not in SKIP_TABLES)


def _fingerprint(tables: list[str]) -> dict[str, tuple]:
    """(row count, order-independent hash of every row's text) of every table, in one query."""
    quote = connection.ops.quote_name
    parts = [f"(SELECT count(*)::text || ':' || coalesce(sum(hashtext(t::text)::bigint), 0)::text FROM {quote(n)} t)"
             for n in tables]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _writes() -> dict[str, tuple]:
    """Rows inserted, updated and deleted so far in this transaction, per table (PostgreSQL's counters
    count the writes of rolled-back savepoints too: a request's writes show even once undone)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_xact_user_tables")
        return {name: counts for name, *counts in cursor.fetchall() if name not in SKIP_TABLES}


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before if before[t] != after[t])


class Matrix:
    def __init__(self, seed):
        self.seed = seed
        self.users = dict(seed.users)
        self.tables = _tables()
        self.samples: dict[type, dict[str, object]] = {}  # model -> {"home": obj, "other": obj}
        self.forms: dict[type, dict] = {}  # model -> {"change": data, "add": data} for the home sample
        self.versions: dict[tuple, int] = {}  # (model, code) -> a history_id of that sample


def _only(model_admin, qs, mine, theirs):
    path = model_admin.facility_path or "self"
    seen_by_them = scope_for_user(qs, theirs, path=path).values("pk")
    return scope_for_user(qs, mine, path=path).exclude(pk__in=seen_by_them).order_by("pk").first()


def _samples(matrix: Matrix) -> None:
    users = matrix.users
    User = get_user_model()
    for model, model_admin in admin.site._registry.items():
        qs = model._default_manager.all()
        if isinstance(model_admin, ScopedReadOnlyAdmin):
            home = _only(model_admin, qs, users["staff"], users["other_staff"])
            other = _only(model_admin, qs, users["other_staff"], users["staff"])
        elif model is User:
            home, other = users["staff"], users["other_staff"]
        else:  # groups: system-wide
            home = other = qs.order_by("pk").first()
        assert home is not None and other is not None, f"no {model.__name__} of one facility only in the data set"
        matrix.samples[model] = {"home": home, "other": other}
        history = getattr(model._meta, "simple_history_manager_attribute", None)
        for code, obj in (("home", home), ("other", other)):
            if history:
                matrix.versions[(model, code)] = getattr(model, history).filter(**{model._meta.pk.attname: obj.pk}) \
                    .order_by("history_id").values_list("history_id", flat=True).first()


# --------------------------------------------------------------------------- the module's world


@pytest.fixture(scope="module")
def matrix(world, django_db_blocker):  # noqa: F811
    with django_db_blocker.unblock(), transaction.atomic():
        seed = world
        home, other = (Facility.objects.get(code=c) for c in ("home", "other"))
        platform_client("vendor-home-only", home)
        platform_client("vendor-other-only", other)
        root = UserFactory(username="root", is_superuser=True, is_staff=True)
        m = Matrix(seed)
        m.users["superuser"] = root
        # Facility names appear in transfer records of the inmate who moved: not one facility's secret.
        seed.shared.update({home.name, other.name})
        _samples(m)
        for model, model_admin in admin.site._registry.items():
            change = change_form_data(model_admin, m.samples[model]["home"], root)
            m.forms[model] = {"change": change, "add": add_form_data(model_admin, change, root)}
        yield m
        transaction.set_rollback(True)


def _client(matrix: Matrix, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        signed_in(client, matrix.users[persona])
    return client


# --------------------------------------------------------------------------- the walk


def _site_names() -> set[str]:
    return {p.name for p in admin.site.get_urls() if getattr(p, "name", None)}


def _model_url_kinds(model_admin) -> set:
    prefix = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}_"
    return {(p.name[len(prefix):] if p.name and p.name.startswith(prefix) else p.name) for p in model_admin.get_urls()}


def test_the_matrix_sees_every_admin_url():
    assert _site_names() <= set(SITE_URLS), f"new admin URL(s): {_site_names() - set(SITE_URLS)}: add them here"
    for model, model_admin in admin.site._registry.items():
        kinds = _model_url_kinds(model_admin)
        assert kinds <= MODEL_URLS, f"{model.__name__} has admin URL(s) the matrix does not ask: {kinds - MODEL_URLS}"
        assert {"changelist", "add", "change", "history", "delete"} <= kinds


def _requests(matrix: Matrix, model, model_admin):
    """(label, method, url, data, expectation) for one model: own and other facility's record."""
    opts = model_admin.opts
    name = f"admin:{opts.app_label}_{opts.model_name}"
    kinds = _model_url_kinds(model_admin)
    changelist = reverse(f"{name}_changelist")
    forms = matrix.forms[model]
    yield "list", "get", changelist, None, "list"
    yield "csv", "get", changelist + "?_export=csv", None, "csv"
    yield "add", "get", reverse(f"{name}_add"), None, "add"
    yield "add", "post", reverse(f"{name}_add"), forms["add"], "add"
    actions = set(editable_admin(model_admin).get_actions(_superuser_request(matrix))) | {"delete_selected"}
    for code in ("home", "other"):
        obj = matrix.samples[model][code]
        pk = str(obj.pk)
        for action in sorted(actions):
            yield (f"action {action} on {code}", "post", changelist,
                   {"action": action, "_selected_action": [pk], "index": "0", "post": "yes"}, code)
        yield f"change {code}", "get", reverse(f"{name}_change", args=[pk]), None, code
        yield f"change {code}", "post", reverse(f"{name}_change", args=[pk]), forms["change"], code
        yield f"history {code}", "get", reverse(f"{name}_history", args=[pk]), None, code
        if "simple_history" in kinds and matrix.versions.get((model, code)) is not None:
            url = reverse(f"{name}_simple_history", args=[pk, matrix.versions[(model, code)]])
            yield f"revert form {code}", "get", url, None, code
            yield f"revert form {code}", "post", url, forms["change"], code
        yield f"delete {code}", "get", reverse(f"{name}_delete", args=[pk]), None, code
        yield f"delete {code}", "post", reverse(f"{name}_delete", args=[pk]), {"post": "yes"}, code
        if "password_change" in kinds:
            url = reverse(f"{name}_password_change", args=[pk])
            yield f"password {code}", "get", url, None, code
            yield f"password {code}", "post", url, {"password1": "A-long-new-pass-9431", "password2":
                                                    "A-long-new-pass-9431", "usable_password": "true"}, code
        ct = ContentType.objects.get_for_model(model)
        yield f"view on site {code}", "get", reverse("admin:view_on_site", args=[ct.pk, pk]), None, code


def _superuser_request(matrix: Matrix):
    request = RequestFactory().get("/")
    request.user = matrix.users["superuser"]
    return request


def _site_requests():
    yield "index", "get", reverse("admin:index"), None, "site"
    for app in sorted({m._meta.app_label for m in admin.site._registry}):
        yield f"app {app}", "get", reverse("admin:app_list", args=[app]), None, "site"
    yield "jsi18n", "get", reverse("admin:jsi18n"), None, "site"
    yield "password change page", "get", reverse("admin:password_change"), None, "site"
    yield "password changed page", "get", reverse("admin:password_change_done"), None, "site"
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if field.is_relation and field.many_to_one or getattr(field, "many_to_many", False) and field.concrete:
                query = urlencode({"app_label": model._meta.app_label, "model_name": model._meta.model_name,
                                   "field_name": field.name, "term": "a"})
                yield f"autocomplete {model.__name__}.{field.name}", "get", reverse("admin:autocomplete") + "?" + query, \
                    None, "site"
                break


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_admin_matrix(matrix, persona):
    client = _client(matrix, persona)
    forbidden = sorted(matrix.seed.only("other" if ONE_FACILITY.get(persona) == "home" else "home"), key=len,
                       reverse=True) if persona in ONE_FACILITY else []
    assert not forbidden or len(forbidden) > 50
    user = matrix.users.get(persona)
    problems: list[str] = []
    asked = 0
    session = client.cookies[settings.SESSION_COOKIE_NAME].value if persona != "anonymous" else None
    requests = list(_site_requests())
    for model, model_admin in admin.site._registry.items():
        requests += [(f"{model.__name__} {label}", method, url, data, kind)
                     for label, method, url, data, kind in _requests(matrix, model, model_admin)]
    baseline = _fingerprint(matrix.tables)
    for label, method, url, data, kind in requests:
        asked += 1
        where = f"{method.upper()} {url} ({label})"
        changed, events = [], []
        with transaction.atomic():  # every request is undone after its check, so each starts from the same rows
            last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
            before = _writes()
            try:
                response = client.post(url, data) if method == "post" else client.get(url)
                body = _body(response)
            except Exception as exc:  # noqa: BLE001  (the test client re-raises a view's exception: a 500)
                problems.append(f"500 {where}: {type(exc).__name__}: {str(exc)[:200]}")
                response = None
            else:
                after = _writes()
                changed = sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))
                if changed:
                    events = list(AuditEvent.objects.filter(id__gt=last_event).values_list("action", "actor_id"))
            transaction.set_rollback(True)
        if session is not None:  # a request that cycled the session key (a password change): its new row is gone
            client.cookies[settings.SESSION_COOKIE_NAME] = session
        if response is None:
            continue
        status = response.status_code
        if status >= 500:
            problems.append(f"{status} {where}")
            continue
        found = [w for w in forbidden if w in body]
        if found:
            problems.append(f"LEAK {where}: shows {found[:5]}")
        system_record = ("Group" in label or "User " in label or
                         getattr(admin.site._registry.get(_model_of(label)), "system_admin", False))
        if changed:
            own_export = kind == "csv" and changed == ["audit_auditevent"] and events == [("csv_export", user.pk)]
            audited = persona == "superuser" and system_record and any(actor == user.pk for _a, actor in events)
            if not (own_export or audited):
                problems.append(f"CHANGED {changed[:6]} by {where} ({status}); audit events: {events[:3]}")
        if persona in NO_ADMIN:
            if not (status == 302 and response["Location"].startswith(reverse("admin:login"))):
                problems.append(f"{status} {where}: someone without an admin role must be sent to the admin login")
            continue
        if persona.startswith("auditor") and method == "post" and status not in (302, 403) \
                and not (status == 200 and "action" in label):  # an action the auditor lacks: the list again
            problems.append(f"{status} {where}: an auditor's POST")
        scoped = isinstance(admin.site._registry.get(_model_of(label)), ScopedReadOnlyAdmin)
        if persona.startswith("auditor") and not scoped and kind != "site" and status != 403 \
                and "view on site" not in label:
            problems.append(f"{status} {where}: auditors hold no permission on users and groups")
        if persona.startswith("auditor") and scoped and method == "get" and kind in ("home", "other") and \
                label.split(" ")[1] in ("change", "history", "revert"):
            visible = kind == "home" or persona == "auditor_all"
            obj = matrix.samples[_model_of(label)][kind]
            if visible and not (status == 200 and _shown(obj) in body):
                problems.append(f"{status} {where}: the auditor's own record is not shown ({_shown(obj)!r})")
            if not visible and status != 302:
                problems.append(f"{status} {where}: another facility's record must answer like a missing one")
        if persona == "superuser" and method == "post" and not system_record and kind in ("home", "other") \
                and "action" not in label and status != 403:
            problems.append(f"{status} {where}: a superuser's write to a domain record must be refused (403)"
                            + (f" (to {response['Location']})" if status == 302 else ""))
    changed = _changed(baseline, _fingerprint(matrix.tables))
    if changed:
        problems.append(f"CHANGED {changed[:6]} during the walk of {persona}")
    assert asked > 400
    assert not problems, f"{persona}: {len(problems)} problem(s) in {asked} requests:\n" + "\n".join(problems[:80])


def _model_of(label: str):
    name = label.split(" ")[0]
    return next(m for m in admin.site._registry if m.__name__ == name) if any(
        m.__name__ == name for m in admin.site._registry) else None


def _shown(obj) -> str:
    from django.utils.html import escape

    return escape(str(obj))[:40]
