import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from facilities.models import Facility, Inmate, Role
from facilities.scoping import (
    STAFF_ROLES,
    WARDEN_ROLES,
    facilities_for_user,
    facility_ids_for_user,
    get_facility_for_user,
    scope_for_user,
)

from ..factories import UserFactory, user_with_role


def test_staff_sees_only_their_facility(staff, home, other, inmate, other_inmate):
    assert list(facilities_for_user(staff)) == [home]
    assert list(scope_for_user(Inmate.objects.all(), staff)) == [inmate]


def test_user_with_roles_at_two_facilities_sees_both(home, other, inmate, other_inmate):
    user = user_with_role(Role.STAFF, home, username="both")
    user_with_role(Role.WARDEN, other, username="both")
    assert set(facilities_for_user(user)) == {home, other}
    assert facility_ids_for_user(user, roles=WARDEN_ROLES) == {other.pk}
    assert list(scope_for_user(Inmate.objects.all(), user, roles=WARDEN_ROLES)) == [other_inmate]


def test_auditor_of_all_facilities_sees_everything_but_holds_no_staff_role(auditor_all, home, other):
    assert set(facilities_for_user(auditor_all)) == set(Facility.objects.all())
    assert facility_ids_for_user(auditor_all, roles=STAFF_ROLES) == set()


def test_user_without_roles_sees_nothing(home, inmate):
    user = UserFactory(username="nobody")
    assert not facilities_for_user(user).exists()
    assert not scope_for_user(Inmate.objects.all(), user).exists()


def test_get_facility_for_user_404_elsewhere_and_403_without_the_role(staff, home, other):
    assert get_facility_for_user(staff, "home") == home
    with pytest.raises(Http404):
        get_facility_for_user(staff, "other")
    with pytest.raises(PermissionDenied):
        get_facility_for_user(staff, "home", roles=WARDEN_ROLES)


def test_superuser_sees_every_facility(home, other):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    assert set(facilities_for_user(admin)) == {home, other}


def test_nested_path(staff, home, other, inmate, other_inmate):
    from facilities.models import CustodyEvent

    CustodyEvent.objects.create(inmate=inmate, kind="booked", occurred_on=inmate.admitted_on, source="t")
    CustodyEvent.objects.create(inmate=other_inmate, kind="booked", occurred_on=other_inmate.admitted_on, source="t")
    events = scope_for_user(CustodyEvent.objects.all(), staff, path="inmate__facility")
    assert [e.inmate for e in events] == [inmate]
