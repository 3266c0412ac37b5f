"""Every writing service of facilities, called as production calls it: with no transaction around it.

The rest of the suite runs each test inside a transaction, so a service that forgets to open its own
(``select_for_update()`` in autocommit: TransactionManagementError on PostgreSQL) passes there and
fails for the jail system. These tests use ``transaction=True``: nothing wraps the call.
``tests/test_services_coverage.py`` checks that every public service is exercised here or in its
app's sibling module.
"""

import datetime as dt

import pytest

from audit.models import AuditEvent
from facilities import services
from facilities.models import CallingPolicy, CustodyEvent, Facility, Inmate, Role, RoleAssignment
from tests.transactional_guard import services_own_their_transactions  # noqa: F401

from ..factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("services_own_their_transactions"),
]

EXERCISED = {
    "facilities.services": {
        "facility_create", "policy_update", "inmate_book", "inmate_transfer", "inmate_release", "role_assign",
        "role_revoke", "second_factor_enrol_begin", "second_factor_enrol_confirm", "second_factor_verify", "second_factor_recovery_codes_renew",
        "second_factor_reset", "sign_out_everywhere",
    },
}


def test_booking_opens_its_own_transaction_and_records_who_and_when(home):
    """The jail system books an inmate over the API: no transaction around the service (issue 8, defect 1)."""
    inmate = services.inmate_book(
        facility=home, register_number=" 77001-042 ", first_name="Grace", last_name="Hopper",
        date_of_birth=dt.date(1980, 12, 9), admitted_on=dt.date(2024, 3, 1), housing_unit="B-2", actor="jms",
    )
    stored = Inmate.objects.get(pk=inmate.pk)
    assert (stored.facility, stored.register_number, stored.status) == (home, "77001-042", Inmate.Status.IN_CUSTODY)
    event = CustodyEvent.objects.get(inmate=inmate)
    assert (event.kind, event.to_facility, event.source) == (CustodyEvent.Kind.BOOKED, home, "jms")
    audit = AuditEvent.objects.get(action="inmate_booked")
    assert (audit.facility, audit.target_id, audit.actor_label) == (home, str(inmate.pk), "jms")
    # the calls app grants the period's allowance inside the same booking transaction
    assert inmate.minute_balance.minutes == home.policy.monthly_minutes

    # re-admission of a released inmate: the same record, booked again
    first = services.inmate_book(
        facility=home, register_number="77002-001", first_name="Alan", last_name="Turing",
        date_of_birth=dt.date(1970, 6, 23), admitted_on=dt.date(2024, 1, 2), actor="jms",
    )
    services.inmate_release(inmate=first, released_on=dt.date(2024, 2, 1), actor="jms", reason="time served")
    again = services.inmate_book(
        facility=home, register_number="77002-001", first_name="Alan", last_name="Turing",
        date_of_birth=dt.date(1970, 6, 23), admitted_on=dt.date(2024, 3, 1), actor="jms",
    )
    assert again.pk == first.pk
    assert Inmate.objects.get(pk=first.pk).status == Inmate.Status.IN_CUSTODY
    assert list(CustodyEvent.objects.filter(inmate=first).order_by("pk").values_list("kind", flat=True)) == [
        "booked", "released", "booked"]
    with pytest.raises(services.RosterError) as exc:
        services.inmate_book(
            facility=home, register_number="77002-001", first_name="Other", last_name="Person",
            date_of_birth=dt.date(1990, 1, 1), admitted_on=dt.date(2024, 3, 2), actor="jms",
        )
    assert exc.value.code == "duplicate_register_number"


def test_transfer_and_release_each_in_their_own_transaction(home, other, inmate):
    moved = services.inmate_transfer(inmate=inmate, to_facility=other, transferred_on=dt.date(2024, 2, 1),
                                     actor="jms", housing_unit="Z-9", reason="court order")
    assert Inmate.objects.get(pk=inmate.pk).facility == other
    event = CustodyEvent.objects.get(inmate=inmate, kind=CustodyEvent.Kind.TRANSFERRED)
    assert (event.from_facility, event.to_facility, event.reason) == (home, other, "court order")
    assert AuditEvent.objects.get(action="inmate_transferred").data == {"from": "home", "to": "other"}

    services.inmate_release(inmate=moved, released_on=dt.date(2024, 3, 1), actor="jms", reason="bail")
    stored = Inmate.objects.get(pk=inmate.pk)
    assert (stored.status, stored.released_on) == (Inmate.Status.RELEASED, dt.date(2024, 3, 1))
    assert AuditEvent.objects.get(action="inmate_released").reason == "bail"


def test_facility_policy_and_roles_each_in_their_own_transactions(db):
    facility = services.facility_create(code="new-fac", name="New Facility", kind=Facility.Kind.COUNTY,
                                        timezone="America/Denver", monthly_minutes=200)
    assert CallingPolicy.objects.get(facility=facility).monthly_minutes == 200
    assert AuditEvent.objects.filter(action="facility_created", facility=facility).count() == 1

    services.policy_update(facility=facility, actor=None, reason="budget", per_call_minutes=20)
    assert CallingPolicy.objects.get(facility=facility).per_call_minutes == 20
    assert AuditEvent.objects.get(action="policy_changed").data == {"per_call_minutes": {"old": 15, "new": 20}}

    admin, user = UserFactory(username="sysadmin"), UserFactory(username="newhire")
    assignment = services.role_assign(user=user, role=Role.STAFF, facility=facility, granted_by=admin)
    assert RoleAssignment.objects.filter(user=user, role=Role.STAFF, facility=facility).exists()
    assert user.groups.filter(name="Staff").exists()
    services.role_revoke(assignment=assignment, revoked_by=admin)
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert not user.groups.filter(name="Staff").exists()
    assert list(AuditEvent.objects.filter(target_type=user._meta.label_lower, target_id=str(user.pk)).order_by("pk").values_list("action", flat=True)) == [
        "role_granted", "role_revoked"]


def _sign_in_request(user):
    """A request of ``user``'s browser at the code step (what the pages pass to the services)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().post("/two-factor/", REMOTE_ADDR="198.51.100.77")
    request.user, request.session = user, SessionStore()
    return request


def test_two_factor_enrolment_verification_reset_and_sign_out_each_in_their_own_transaction(home):
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.auth import code_for

    user, root = UserFactory(username="enrolling"), UserFactory(username="root", is_superuser=True)
    device = services.second_factor_enrol_begin(user=user)
    assert services.second_factor_enrol_begin(user=user) == device and not device.confirmed
    refused, codes = services.second_factor_enrol_confirm(request=_sign_in_request(user), user=user, code="000000")
    assert (refused.device, codes) == (None, [])
    check, codes = services.second_factor_enrol_confirm(request=_sign_in_request(user), user=user,
                                                        code=code_for(device))
    assert check.device == device and TOTPDevice.objects.get(pk=device.pk).confirmed and len(codes) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(codes)

    assert services.second_factor_verify(request=_sign_in_request(user), user=user, code="nope").device is None
    used = services.second_factor_verify(request=_sign_in_request(user), user=user, code=codes[0])
    assert used.recovery_code_used and used.recovery_codes_left == 9
    actions = list(AuditEvent.objects.filter(ip_address="198.51.100.77").order_by("pk").values_list("action", flat=True))
    assert actions == ["two_factor_failed", "two_factor_enrolled", "two_factor_failed", "two_factor_recovery_code_used"]

    # New recovery codes take the app's code (not a recovery code), and the old ones stop working.
    refused, none = services.second_factor_recovery_codes_renew(request=_sign_in_request(user), user=user, code=codes[1])
    assert (refused.device, none) == (None, [])
    renewed, new_codes = services.second_factor_recovery_codes_renew(request=_sign_in_request(user), user=user,
                                                                     code=code_for(device))
    assert renewed.device == device and len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(new_codes)
    assert services.second_factor_verify(request=_sign_in_request(user), user=user, code=codes[1]).device is None
    assert AuditEvent.objects.get(action="two_factor_recovery_codes_renewed").data == {"recovery_codes": 10}
    assert AuditEvent.objects.filter(action="two_factor_failed", data__step="recovery codes").count() == 1

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session.create()
    assert services.sign_out_everywhere(user=user, actor=root, reason="left the job") == 1
    assert not SessionStore().exists(session.session_key)
    assert services.second_factor_reset(user=user, actor=root, reason="lost phone") == 2
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.get(action="two_factor_reset").data == {"devices": 2}
