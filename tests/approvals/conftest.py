import pytest

from facilities.models import CallingPolicy


@pytest.fixture(params=[CallingPolicy.ListMode.SELF_MANAGED, CallingPolicy.ListMode.STAFF_REVIEW])
def list_mode(request, home):
    """Runs a test in both list modes at ``home`` (co-defendant screening on)."""
    CallingPolicy.objects.filter(facility=home).update(list_mode=request.param, screen_codefendants=True)
    home.policy.refresh_from_db()
    return request.param


@pytest.fixture
def add(inmate, staff):
    from approvals import services

    def _add(number="(312) 555-0147", *, who=None, **kwargs):
        kwargs.setdefault("contact_name", "Jane Roe")
        kwargs.setdefault("relationship", "friend")
        kwargs.setdefault("source", "staff")
        return services.entry_add(inmate=who or inmate, number=number, actor=staff, **kwargs)

    return _add
