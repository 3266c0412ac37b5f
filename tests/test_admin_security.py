"""The admin's holes of issue 8 (defects 2, 3 and 4), one regression test each.

- the history revert form needs change permission and is scoped: an auditor changes nothing anywhere;
- history pages are scoped exactly as change pages are (another facility's record: the same redirect);
- domain records are read-only in the admin for everyone, superusers included; system records
  (facilities, roles, platform clients, users) are changed by superusers only, and audited;
- a CSV export with a filter the list refuses answers like the list (redirect ``?e=1``), never a 500.

The matrix over every admin URL, persona and model is ``tests/test_admin_matrix.py``.
"""

import pytest
from django.urls import reverse

from approvals.models import PhoneListEntry
from audit.models import AuditEvent
from facilities.models import CallingPolicy, Role, RoleAssignment
from facilities.services import policy_update
from tests.auth import signed_in

from .approvals.factories import PhoneListEntryFactory
from .factories import UserFactory, platform_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def _revert_url(obj, history_id) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_simple_history", args=[obj.pk, history_id])


def _counts() -> tuple:
    return (RoleAssignment.objects.count(), RoleAssignment.history.count(), CallingPolicy.history.count(),
            AuditEvent.objects.count())


# --------------------------------------------------------------------------- defect 2: the revert form


def test_an_auditor_cannot_make_themselves_warden_of_another_facility(client, auditor, home, other):
    own = RoleAssignment.objects.get(user=auditor)
    version = own.history.latest().history_id
    signed_in(client, auditor)
    before = _counts()
    response = client.post(_revert_url(own, version),
                           {"user": auditor.pk, "role": Role.WARDEN, "facility": other.pk, "all_facilities": ""})
    assert response.status_code == 403
    own.refresh_from_db()
    assert (own.role, own.facility_id) == (Role.AUDITOR, home.pk)
    assert _counts() == before


def test_an_auditor_cannot_revert_another_facilitys_policy(client, auditor, other, other_warden):
    policy_update(facility=other, actor=other_warden, reason="Longer calls", per_call_minutes=25)
    policy = other.policy
    version = policy.history.earliest().history_id
    signed_in(client, auditor)
    before = _counts()
    response = client.post(_revert_url(policy, version), {"facility": other.pk, "per_call_minutes": 5})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    policy.refresh_from_db()
    assert policy.per_call_minutes == 25
    assert _counts() == before


def test_an_auditor_cannot_widen_a_platform_client(client, auditor, home, other):
    vendor, _token = platform_client("vendor-home", home)
    vendor.facilities.set([home])
    version = vendor.history.latest().history_id
    signed_in(client, auditor)
    response = client.post(_revert_url(vendor, version), {"name": vendor.name, "facilities": [home.pk, other.pk],
                                                          "active": "on"})
    assert response.status_code == 403
    assert list(vendor.facilities.all()) == [home]


def test_an_auditor_reads_a_past_version_without_a_form(client, auditor, home, warden):
    policy_update(facility=home, actor=warden, reason="Longer calls", per_call_minutes=21)
    version = home.policy.history.earliest()
    signed_in(client, auditor)
    response = client.get(_revert_url(home.policy, version.history_id))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="per_call_minutes"' not in html and "Revert" not in html.split("<h1>")[1].split("</h1>")[0]
    assert "Home Correctional Center" in html


def test_a_superuser_cannot_revert_a_domain_record(client, root, home, warden):
    policy_update(facility=home, actor=warden, reason="Longer calls", per_call_minutes=22)
    version = home.policy.history.earliest().history_id
    signed_in(client, root)
    response = client.post(_revert_url(home.policy, version), {"facility": home.pk, "per_call_minutes": 15})
    assert response.status_code == 403
    home.policy.refresh_from_db()
    assert home.policy.per_call_minutes == 22


def test_a_superusers_revert_of_a_role_is_audited(client, root, staff, home):
    assignment = RoleAssignment.objects.get(user=staff)
    assignment._changed_by = root
    assignment.role = Role.WARDEN
    assignment.save()
    first = assignment.history.earliest().history_id
    signed_in(client, root)
    response = client.post(_revert_url(assignment, first), {"user": staff.pk, "role": Role.STAFF,
                                                            "facility": home.pk, "all_facilities": ""})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.role == Role.STAFF
    event = AuditEvent.objects.filter(action="admin_changed").latest("id")
    assert event.actor == root and event.target_id == str(assignment.pk) and event.facility == home


# --------------------------------------------------------------------------- defect 3: history pages scoped


def test_another_facilitys_history_answers_like_its_change_page(client, auditor, other_inmate):
    signed_in(client, auditor)
    change = client.get(reverse("admin:facilities_inmate_change", args=[other_inmate.pk]))
    history = client.get(reverse("admin:facilities_inmate_history", args=[other_inmate.pk]))
    assert change.status_code == history.status_code == 302
    assert history["Location"] == change["Location"] == reverse("admin:index")
    version = other_inmate.history.latest().history_id
    form = client.get(_revert_url(other_inmate, version))
    assert form.status_code == 302 and form["Location"] == reverse("admin:index")
    followed = client.get(reverse("admin:index")).content.decode()
    assert "Outsider" not in followed and other_inmate.register_number not in followed


def test_a_version_of_another_record_is_not_found(client, auditor, inmate, other_inmate):
    signed_in(client, auditor)
    theirs = other_inmate.history.latest().history_id
    assert client.get(_revert_url(inmate, theirs)).status_code == 404
    for garbage in ("abc", "99999999999999999999999", "-1", "1.5"):
        assert client.get(_revert_url(inmate, "x").replace("/x/", f"/{garbage}/")).status_code == 404
    assert client.get(_revert_url(inmate, inmate.history.latest().history_id)).status_code == 200


def test_a_deleted_record_of_another_facility_has_no_history_page(client, auditor, other):
    """The history view used to fall back to the last historical row when the scoped lookup found nothing."""
    from .factories import InmateFactory

    gone = InmateFactory(facility=other, last_name="Vanished")
    pk = gone.pk
    gone.delete()
    signed_in(client, auditor)
    response = client.get(reverse("admin:facilities_inmate_history", args=[pk]))
    assert response.status_code == 302 and "Vanished" not in response.content.decode()


# --------------------------------------------------------------------------- defect 4: domain records read-only


def test_a_superuser_cannot_edit_or_delete_a_phone_list_entry(client, root, inmate):
    entry = PhoneListEntryFactory(inmate=inmate, status=PhoneListEntry.Status.PENDING, has_block=True)
    signed_in(client, root)
    page = client.get(reverse("admin:approvals_phonelistentry_change", args=[entry.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content and b'name="status"' not in page.content
    assert entry.number in page.content.decode()
    response = client.post(reverse("admin:approvals_phonelistentry_change", args=[entry.pk]),
                           {"status": "live", "has_block": "", "inmate": inmate.pk, "number": entry.number})
    assert response.status_code == 403
    assert client.post(reverse("admin:approvals_phonelistentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:approvals_phonelistentry_add")).status_code == 403
    response = client.post(reverse("admin:approvals_phonelistentry_changelist"),
                           {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    entry.refresh_from_db()
    assert (entry.status, entry.has_block) == (PhoneListEntry.Status.PENDING, True)


def test_a_superuser_adds_a_facility_through_the_service(client, root):
    signed_in(client, root)
    response = client.post(reverse("admin:facilities_facility_add"), {
        "code": "new-jail", "name": "New Jail", "kind": "county", "timezone": "America/Denver", "active": "on",
        "policy-TOTAL_FORMS": "0", "policy-INITIAL_FORMS": "0", "policy-MIN_NUM_FORMS": "0",
        "policy-MAX_NUM_FORMS": "1",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    from facilities.models import Facility

    created = Facility.objects.get(code="new-jail")
    assert CallingPolicy.objects.filter(facility=created).exists()
    actions = set(AuditEvent.objects.filter(target_id=str(created.pk), target_type="facilities.facility")
                  .values_list("action", flat=True))
    assert {"facility_created", "admin_added"} <= actions
    assert client.post(reverse("admin:facilities_facility_delete", args=[created.pk]), {"post": "yes"}).status_code == 403


def test_a_superusers_change_to_a_user_is_audited(client, root, staff):
    signed_in(client, root)
    response = client.post(reverse("admin:auth_user_password_change", args=[staff.pk]),
                           {"password1": "a-new-long-passphrase-42", "password2": "a-new-long-passphrase-42",
                            "usable_password": "true"})
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="admin_changed").latest("id")
    assert event.actor == root and event.target_id == str(staff.pk)


# --------------------------------------------------------------------------- defect 4: CSV export of a bad filter


@pytest.mark.parametrize("query", ["facility__id__exact=abc", "no_such_field=1", "status__exact=x&facility__id__in=a,b",
                                   "admitted_on__gte=not-a-date", "admitted_on__year=abc"])
def test_csv_export_with_a_tampered_filter_answers_like_the_list(client, auditor, inmate, query):
    signed_in(client, auditor)
    url = reverse("admin:facilities_inmate_changelist")
    before = AuditEvent.objects.count()
    listed = client.get(f"{url}?{query}")
    exported = client.get(f"{url}?_export=csv&{query}")
    assert exported.status_code == listed.status_code, (exported.status_code, listed.status_code)
    if exported.status_code == 302:
        assert exported["Location"] == listed["Location"] == f"{url}?e=1"
        assert AuditEvent.objects.count() == before  # a refused export is not recorded
    else:  # a value the list's filter ignores: the export lists what the list shows
        assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
        body = b"".join(exported.streaming_content).decode()
        assert [r.split(",")[0] for r in body.strip().splitlines()[1:]] == \
            [i.register_number for i in listed.context["cl"].result_list]


def test_a_search_with_a_nul_character_is_refused_not_a_500(client, auditor, inmate):
    """Django's search form refuses NUL (PostgreSQL cannot store it): the list and its export say so."""
    signed_in(client, auditor)
    url = reverse("admin:facilities_inmate_changelist")
    page = client.get(url, {"q": "Love\x00lace"})
    assert page.status_code == 200 and "Null characters are not allowed" in page.content.decode()
    exported = client.get(url, {"q": "\x00", "_export": "csv"})
    assert exported.status_code == 200 and inmate.register_number in b"".join(exported.streaming_content).decode()
