"""Two-factor sign-in (django-otp) and the session limits: who needs the second factor, the gate in front of every
page, enrolment, the code step, recovery codes, the lockout, the superuser's reset and sign-out everywhere, the
absolute session lifetime and the production session cookie. Sign-ins here go through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from facilities import services
from facilities.models import CallingPolicy, Role
from facilities.two_factor import REQUIRED_ROLES, needs_second_factor
from tests.auth import authenticator, code_for, signed_in
from tests.pages import page

from ..factories import PASSWORD, FacilityFactory, InmateFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

OPEN = {"login", "logout", "two-factor-verify", "two-factor-enrol", "two-factor-qr"}


def _password(client: Client, username: str, address: str = "127.0.0.1"):
    """The password step only, through the log-in page."""
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR=address)
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.session.get("_auth_user_id"), "the password was refused"
    return response


def _code(client: Client, code: str, address: str = "127.0.0.1", next_url: str = ""):
    return client.post(reverse("two-factor-verify"), {"code": code, "next": next_url}, REMOTE_ADDR=address)


def _enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """An authenticator and recovery codes for ``user``, as enrolment leaves them."""
    device = authenticator(user)
    recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [f"code{n:04d}" for n in range(10)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    return device, codes


def _fill(route: str) -> str:
    for name, value in (("<slug:code>", "home"), ("<str:code>", "home"), ("<int:pk>", "1"), ("<int:", "1>"),
                        ("<path:object_id>", "1"), ("<str:", "x>"), ("<slug:", "x>")):
        route = route.replace(name, value)
    while "<" in route:  # any other converter: one value
        start, end = route.index("<"), route.index(">")
        route = route[:start] + "1" + route[end + 1:]
    return "/" + route


def _pages() -> list[str]:
    """Every named page of the URL configuration (the admin's too), but the platform API and the sign-in steps."""
    found = []

    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name and entry.name not in OPEN:
                route = prefix + str(entry.pattern)
                if not route.startswith("api/v1/") and "(?P<" not in route and "^" not in route:
                    found.append(_fill(route))

    walk(get_resolver())
    return sorted(set(found))


PAGES = _pages()


def test_the_walk_sees_staff_pages_admin_csv_and_api_documentation():
    assert {"/", "/f/home/", "/f/home/inmates/", "/admin/", "/api/docs/", "/api/redoc/", "/api/schema/"} <= set(PAGES)
    assert any(p.startswith("/admin/audit/auditevent/") for p in PAGES)
    assert len(PAGES) > 40


def test_who_needs_the_second_factor(home, other, staff, warden, auditor, auditor_all):
    assert {"warden", "auditor", "investigator"} == set(REQUIRED_ROLES)
    assert needs_second_factor(warden) and needs_second_factor(auditor) and needs_second_factor(auditor_all)
    assert needs_second_factor(UserFactory(username="root", is_superuser=True, is_staff=True))
    investigator = user_with_role("investigator", home, username="inv")
    assert needs_second_factor(investigator)
    assert not needs_second_factor(staff)
    assert not needs_second_factor(UserFactory(username="nobody"))
    # staff: if any facility where they hold the staff role requires it
    both = user_with_role(Role.STAFF, home, username="both")
    services.role_assign(user=both, role=Role.STAFF, facility=other)
    CallingPolicy.objects.filter(facility=other).update(staff_two_factor=True)
    fresh = get_user_model().objects.get
    assert needs_second_factor(fresh(pk=both.pk))
    assert not needs_second_factor(fresh(pk=staff.pk))  # staff at home only


@pytest.mark.parametrize("enrolled", [False, True], ids=["not-enrolled", "enrolled"])
def test_a_warden_reaches_no_page_and_not_the_admin_without_the_second_factor(client, home, inmate, warden, enrolled):
    warden.is_staff = True  # the admin is theirs too once verified
    warden.save()
    if enrolled:
        _enrolled(warden)
    _password(client, "warden")
    step = reverse("two-factor-verify" if enrolled else "two-factor-enrol")
    reached = {}
    for path in PAGES:
        for query in ("", "?_export=csv"):
            response = client.get(path + query)
            if not (response.status_code == 302 and response["Location"].startswith(step + "?next=")):
                reached[path + query] = (response.status_code, response.get("Location"))
    assert reached == {}
    # POSTs are refused the same way (nothing written)
    response = client.post(reverse("facility-policy", args=["home"]), {"monthly_minutes": "1", "reason": "x"})
    assert response.status_code == 302 and response["Location"].startswith(step)
    assert CallingPolicy.objects.get(facility=home).monthly_minutes != 1
    # the platform API is not concerned: a session is not a platform client (401, not a redirect)
    assert client.get(f"/api/v1/facilities/home/inmates/{inmate.register_number}/").status_code in (401, 404)


def test_after_the_code_the_warden_reaches_the_pages_and_the_admin(client, home, warden):
    warden.is_staff = True
    warden.save()
    device, _ = _enrolled(warden)
    _password(client, "warden")
    response = client.get(reverse("facility-dashboard", args=["home"]))
    assert response["Location"] == reverse("two-factor-verify") + "?next=%2Ff%2Fhome%2F"
    heading, text = page(client.get(response["Location"]))
    assert heading == "Enter your sign-in code" and "authenticator app" in text
    response = _code(client, code_for(device), next_url="/f/home/")
    assert response.status_code == 302 and response["Location"] == "/f/home/"
    assert client.get("/f/home/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="two_factor_verified", actor=warden).count() == 1
    # an outside address in next is not followed
    client.post(reverse("logout"))
    _password(client, "warden")
    response = _code(client, code_for(device), next_url="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_the_admin_log_in_leads_to_the_code_step_and_keeps_the_admin_scoped(client, home, other, auditor):
    auditor.is_staff = True
    auditor.save()
    device, _ = _enrolled(auditor)
    response = client.post(reverse("admin:login"), {"username": "auditor", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("two-factor-verify"))
    assert _code(client, code_for(device), next_url="/admin/")["Location"] == "/admin/"
    InmateFactory(facility=other, register_number="55555-555", last_name="Elsewhere")
    listing = client.get("/admin/facilities/inmate/").content.decode()
    assert "55555-555" not in listing  # still scoped to the auditor's facility


def test_enrolment_on_first_sign_in_with_recovery_codes_shown_once(client, home, warden):
    _password(client, "warden")
    response = client.get("/f/home/")
    assert response["Location"] == reverse("two-factor-enrol") + "?next=%2Ff%2Fhome%2F"
    heading, text = page(client.get(response["Location"]))
    device = TOTPDevice.objects.get(user=warden, confirmed=False)
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    assert heading == "Set up two-factor sign-in"
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in text  # the secret for typing in
    assert "warden" in text and "Inmate telephone portal" in text
    qr = client.get(reverse("two-factor-qr"))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    client.get(reverse("two-factor-enrol"))  # a second visit shows the same secret
    assert TOTPDevice.objects.filter(user=warden).count() == 1
    # a wrong code: refused, counted and audited
    response = client.post(reverse("two-factor-enrol"), {"code": "000000", "next": "/f/home/"})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert AuditEvent.objects.filter(action="two_factor_failed", data__step="enrolment").count() == 1
    response = client.post(reverse("two-factor-enrol"), {"code": code_for(device), "next": "/f/home/"})
    assert response["Location"] == reverse("two-factor-recovery-codes") + "?next=%2Ff%2Fhome%2F"
    heading, text = page(client.get(response["Location"]))
    codes = list(StaticToken.objects.filter(device__user=warden).values_list("token", flat=True))
    assert heading == "Your recovery codes" and len(codes) == 10
    assert all(c in text for c in codes) and "only time they are shown" in text
    _, again = page(client.get(reverse("two-factor-recovery-codes")))
    assert not any(c in again for c in codes)  # shown once
    assert client.get("/f/home/").status_code == 200
    assert TOTPDevice.objects.get(user=warden).confirmed
    event = AuditEvent.objects.get(action="two_factor_enrolled")
    assert (event.actor, event.target_id, event.data) == (warden, str(warden.pk), {"recovery_codes": 10})
    # once enrolled, the enrolment page does not give a new secret
    assert client.get(reverse("two-factor-enrol"))["Location"].startswith(reverse("two-factor-verify"))
    assert client.get(reverse("two-factor-qr")).status_code == 404


def test_recovery_codes_work_once(client, home, warden):
    _device, codes = _enrolled(warden)
    _password(client, "warden")
    response = _code(client, f"  {codes[3].upper()} ", next_url="/f/home/")
    assert response.status_code == 302 and response["Location"] == "/f/home/"
    assert "recovery code; 9 left" in client.get("/f/home/").content.decode()
    event = AuditEvent.objects.get(action="two_factor_recovery_code_used")
    assert (event.actor, event.data) == (warden, {"recovery_codes_left": 9})
    client.post(reverse("logout"))
    _password(client, "warden")
    response = _code(client, codes[3])
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert client.get("/f/home/").status_code == 302
    assert AuditEvent.objects.filter(action="two_factor_failed", data__step="verify").count() == 1


def test_new_recovery_codes_take_the_apps_code_and_replace_the_old_ones(client, home, warden):
    device, old = _enrolled(warden)
    _password(client, "warden")
    assert _code(client, old[0]).status_code == 302  # signed in with a recovery code
    home_page = client.get("/f/home/").content.decode()
    assert "Recovery codes" in home_page and reverse("two-factor-recovery-codes-new") in home_page  # the top bar
    heading, text = page(client.get(reverse("two-factor-recovery-codes-new")))
    assert heading == "New recovery codes"
    assert "Your old recovery codes all stop working" in text and "A recovery code does not work here" in text
    # a recovery code is refused here, counted as a failed log-in, and changes nothing
    response = client.post(reverse("two-factor-recovery-codes-new"), {"code": old[1]})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert AuditEvent.objects.filter(action="two_factor_failed", data__step="recovery codes").count() == 1
    assert set(StaticToken.objects.filter(device__user=warden).values_list("token", flat=True)) == set(old[1:])
    # the app's code: ten new codes, shown once on the next page
    response = client.post(reverse("two-factor-recovery-codes-new"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("two-factor-recovery-codes")
    new = list(StaticToken.objects.filter(device__user=warden).values_list("token", flat=True))
    assert len(new) == 10 and not set(new) & set(old)
    heading, text = page(client.get(response["Location"]))
    assert heading == "Your recovery codes" and all(c in text for c in new) and "only time they are shown" in text
    _, again = page(client.get(reverse("two-factor-recovery-codes")))
    assert not any(c in again for c in new) and "make new recovery codes" in again
    event = AuditEvent.objects.get(action="two_factor_recovery_codes_renewed")
    assert (event.actor, event.target_id, event.data) == (warden, str(warden.pk), {"recovery_codes": 10})
    # an old code no longer signs in; a new one does
    client.post(reverse("logout"))
    _password(client, "warden")
    assert _code(client, old[2]).status_code == 200
    assert _code(client, new[0]).status_code == 302


def test_new_recovery_codes_are_not_offered_without_an_authenticator(client, home, staff):
    _password(client, "staff")  # staff here sign in with a password alone
    assert "Recovery codes" not in client.get("/f/home/").content.decode()
    response = client.get(reverse("two-factor-recovery-codes-new"))
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "Recovery codes come with two-factor sign-in, which you do not use." in client.get("/").content.decode()
    assert not StaticToken.objects.filter(device__user=staff).exists()


def test_a_totp_code_works_once(client, home, warden):
    device, _ = _enrolled(warden)
    _password(client, "warden")
    code = code_for(device)
    assert _code(client, code).status_code == 302
    other = Client()
    _password(other, "warden")
    assert _code(other, code).status_code == 200  # replayed: refused


def test_wrong_codes_count_toward_the_lockout_and_lock_like_wrong_passwords(client, home, warden):
    device, _ = _enrolled(warden)
    address = "198.51.100.40"
    _password(client, "warden", address)
    for _ in range(2):
        assert _code(client, "000000", address).status_code == 200
    # a new password does not clear the wrong codes given before it
    client.post(reverse("logout"))
    _password(client, "warden", address)
    assert _code(client, "111111", address).status_code == 200
    assert _code(client, "222222", address).status_code == 200
    fifth = _code(client, "333333", address)
    assert fifth.status_code == 429 and b"Account locked" in fifth.content
    assert "_auth_user_id" not in client.session  # signed out
    # locked at that address: the password is refused now, and so would be the right code
    response = client.post(reverse("login"), {"username": "warden", "password": PASSWORD}, REMOTE_ADDR=address)
    assert response.status_code == 429
    assert AuditEvent.objects.filter(action="two_factor_failed").count() == 5
    assert AuditEvent.objects.filter(action="lockout", data__username="warden").exists()
    # elsewhere the warden signs in, and the whole sign-in clears that address's count
    elsewhere = Client()
    _password(elsewhere, "warden", "203.0.113.9")
    assert _code(elsewhere, code_for(device), "203.0.113.9").status_code == 302


def test_four_wrong_codes_then_the_right_one_sign_in(client, home, warden):
    device, _ = _enrolled(warden)
    _password(client, "warden")
    for _ in range(4):
        _code(client, "000000")
    assert _code(client, code_for(device)).status_code == 302
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.filter(username="warden").exists()  # cleared by the whole sign-in


def test_staff_sign_in_with_a_password_alone_where_the_facility_does_not_require_it(client, home, staff):
    _password(client, "staff")
    assert client.get("/f/home/").status_code == 200
    assert client.get(reverse("two-factor-enrol"))["Location"] == reverse("home")


def test_staff_must_enrol_where_the_facility_requires_it(client, home, warden, staff):
    services.policy_update(facility=home, actor=warden, reason="CJIS", staff_two_factor=True)
    _password(client, "staff")
    response = client.get("/f/home/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("two-factor-enrol"))


def test_the_warden_sets_the_staff_requirement_on_the_policy_page(login, home, warden, staff):
    response = login(warden).get(reverse("facility-policy", args=["home"]))
    assert "Staff must use two-factor sign-in" in response.content.decode()
    form = response.context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"staff_two_factor": "on", "reason": "CJIS audit", "calling_hours_start": "06:00",
                 "calling_hours_end": "23:00"})
    response = login(warden).post(reverse("facility-policy", args=["home"]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert CallingPolicy.objects.get(facility=home).staff_two_factor
    event = AuditEvent.objects.get(action="policy_changed")
    assert event.data["staff_two_factor"] == {"old": False, "new": True}
    _, text = page(login(staff).get(reverse("facility-policy", args=["home"])))
    assert "Staff must use two-factor sign-in Yes" in text


def _superuser():
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_a_superuser_resets_a_users_devices_and_their_sessions_end(client, home, warden):
    _enrolled(warden)
    theirs = signed_in(Client(), warden)
    assert theirs.get("/f/home/").status_code == 200
    root = _superuser()
    signed_in(client, root)
    response = client.post(reverse("admin:auth_user_changelist"),
                           {"action": "reset_two_factor", "_selected_action": [warden.pk]}, follow=True)
    assert response.status_code == 200 and "two-factor sign-in was reset" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=warden).exists()
    assert not StaticDevice.objects.filter(user=warden).exists()
    event = AuditEvent.objects.get(action="two_factor_reset")
    assert (event.actor, event.target_id, event.data) == (root, str(warden.pk), {"devices": 2})
    assert AuditEvent.objects.filter(action="signed_out_everywhere", target_id=str(warden.pk)).exists()
    assert theirs.get("/f/home/")["Location"].startswith(reverse("login"))  # signed out
    # next sign-in: enrol again
    fresh = Client()
    _password(fresh, "warden")
    assert fresh.get("/f/home/")["Location"].startswith(reverse("two-factor-enrol"))


def test_a_superuser_signs_a_user_out_everywhere(client, home, staff, warden):
    first, second = signed_in(Client(), warden), signed_in(Client(), warden)
    bystander = signed_in(Client(), staff)
    root = _superuser()
    signed_in(client, root)
    client.post(reverse("admin:auth_user_changelist"), {"action": "sign_out_everywhere", "_selected_action": [warden.pk]})
    for browser in (first, second):
        assert browser.get("/f/home/")["Location"].startswith(reverse("login"))
    assert bystander.get("/f/home/").status_code == 200
    event = AuditEvent.objects.get(action="signed_out_everywhere")
    assert (event.actor, event.data) == (root, {"sessions": 2})


def test_only_superusers_have_the_user_actions(client, home, auditor):
    auditor.is_staff = True
    auditor.save()
    signed_in(client, auditor)
    response = client.post(reverse("admin:auth_user_changelist"),
                           {"action": "reset_two_factor", "_selected_action": [auditor.pk]})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=auditor).exists()


def test_the_absolute_lifetime_ends_an_active_session(client, home, staff, settings, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC), tick=False)
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600
    _password(client, "staff")
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes: never idle
        time_machine.move_to(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes), tick=False)
        assert client.get("/f/home/").status_code == 200, minutes
    time_machine.move_to(dt.datetime(2026, 3, 2, 20, 0, 1, tzinfo=dt.UTC), tick=False)
    response = client.get("/f/home/")
    assert response.status_code == 302 and response["Location"] == reverse("login") + "?next=%2Ff%2Fhome%2F"
    assert "_auth_user_id" not in client.session


def test_the_production_session_cookie_has_the_host_prefix():
    from tests.test_settings_declared import _production_value

    values = {}
    for name in ("SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_PATH", "SESSION_COOKIE_DOMAIN",
                 "SESSION_ABSOLUTE_SECONDS"):
        result = _production_value(name)
        assert result.returncode == 0, result.stderr
        values[name] = result.stdout.strip().splitlines()[-1]
    assert values == {"SESSION_COOKIE_NAME": "__Host-sessionid", "SESSION_COOKIE_SECURE": "True",
                      "SESSION_COOKIE_PATH": "/", "SESSION_COOKIE_DOMAIN": "None", "SESSION_ABSOLUTE_SECONDS": "43200"}


def test_the_facility_needs_no_second_factor_for_staff_by_default(db):
    assert FacilityFactory(code="new").policy.staff_two_factor is False


def test_seed_demo_enrols_the_demo_users_with_printed_secrets_and_totp_code_gives_their_code(db, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from facilities.management.commands.seed_demo import demo_totp_secret

    call_command("seed_demo")
    call_command("seed_demo")  # twice: one authenticator each, the same secret
    out = capsys.readouterr().out
    for username in ("staff", "warden", "auditor", "county-staff", "admin"):
        assert f"{username:<14} secret {demo_totp_secret(username)}" in out
        assert TOTPDevice.objects.filter(user__username=username, confirmed=True).count() == 1
    assert "manage.py totp_code <user>" in out
    call_command("totp_code", "warden")
    code = capsys.readouterr().out.strip()
    assert len(code) == 6 and code.isdigit()
    client = Client()
    client.post(reverse("login"), {"username": "warden", "password": "demo-portal-2026"})
    assert client.get("/")["Location"].startswith(reverse("two-factor-verify"))
    assert _code(client, code, next_url="/f/fed-dub/")["Location"] == "/f/fed-dub/"
    # nothing for a user without the demo secret
    UserFactory(username="real")
    with pytest.raises(CommandError, match="no demo authenticator"):
        call_command("totp_code", "real")
