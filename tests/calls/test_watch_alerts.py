"""Watch lists in the call decision (domain.md §9): a watched number dialled, or a watched inmate calling, queues
one alert after the commit; the decision itself runs no more queries than without a watch."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from investigations import services as watches
from investigations.models import WatchAlert, WatchEntry
from investigations.tasks import watch_alerts
from tests.approvals.factories import PhoneListEntryFactory

from ..factories import InmateFactory
from .conftest import NOON
from .factories import NUMBER, OTHER_NUMBER
from .test_authorize_api import QUERIES_PER_ALLOWED_DECISION

pytestmark = pytest.mark.django_db

END = dt.date(2026, 6, 30)


@pytest.fixture
def watching(investigator, home):
    investigator.email = "ivy@example.org"
    investigator.save()
    return investigator


def test_a_watched_number_dialled_over_the_api_sends_one_email_after_commit(
    live, authorize, watching, home, django_capture_on_commit_callbacks
):
    watches.watch_add(actor=watching, facility=home, kind=WatchEntry.Kind.NUMBER, number=NUMBER,
                      reason="Suspected contraband contact", ends_on=END)
    authorize(OTHER_NUMBER)  # warm up: the client's last_used_at is written at most every 5 minutes
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with CaptureQueriesContext(connection) as decision:
            body = authorize().json()
        assert mail.outbox == []  # nothing before the commit
    assert body["decision"] == "allow"
    assert len(decision) == QUERIES_PER_ALLOWED_DECISION  # the watch is learnt in the gather
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ivy@example.org"]
    assert "(312) 555-0123" in message.subject and "allowed" in message.subject
    assert "Lovelace, Ada (12345-001)" in message.body
    alert = WatchAlert.objects.get()
    assert (alert.call_id, alert.number, alert.allowed) == (body["call_id"], NUMBER, True)
    assert alert.emailed_at is not None and alert.seen_at is None


def test_an_unwatched_call_queues_nothing(live, authorize, watching, home, django_capture_on_commit_callbacks):
    watches.watch_add(actor=watching, facility=home, kind=WatchEntry.Kind.NUMBER, number=OTHER_NUMBER,
                      reason="Another number", ends_on=END)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert authorize().json()["decision"] == "allow"
    assert [c for c in callbacks if "watch" in repr(c)] == [] and WatchAlert.objects.count() == 0
    assert mail.outbox == []


def test_a_watched_inmate_denied_a_call_alerts_too(funded, authorize, watching, home, inmate,
                                                    django_capture_on_commit_callbacks):
    watches.watch_add(actor=watching, facility=home, kind=WatchEntry.Kind.INMATE, inmate=inmate,
                      reason="Gang intelligence", ends_on=END)
    with django_capture_on_commit_callbacks(execute=True):
        body = authorize(OTHER_NUMBER).json()
    assert body["decision"] == "deny"
    alert = WatchAlert.objects.get()
    assert alert.allowed is False and alert.inmate == inmate and alert.number == OTHER_NUMBER
    assert len(mail.outbox) == 1 and "denied" in mail.outbox[0].subject


def test_ended_expired_elsewhere_or_former_investigators_get_no_alert(
    live, authorize, watching, home, other, investigator, django_capture_on_commit_callbacks, clock
):
    from facilities.models import Role, RoleAssignment
    from tests.factories import user_with_role

    ended = watches.watch_add(actor=watching, facility=home, kind="number", number=NUMBER, reason="r", ends_on=END)
    watches.watch_end(watch=ended, actor=watching, reason="Case closed")
    watches.watch_add(actor=watching, facility=home, kind="number", number=NUMBER, reason="short",
                      ends_on=NOON.date())  # its last day is today: it alerts today, not tomorrow
    elsewhere = user_with_role(Role.INVESTIGATOR, other, username="elsewhere")
    watches.watch_add(actor=elsewhere, facility=other, kind="number", number=NUMBER, reason="r", ends_on=END)
    gone = user_with_role(Role.INVESTIGATOR, home, username="gone", email="gone@example.org")
    watches.watch_add(actor=gone, facility=home, kind="number", number=NUMBER, reason="r", ends_on=END)
    RoleAssignment.objects.filter(user=gone).delete()
    clock.shift(dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert authorize().json()["decision"] == "allow"
    assert WatchAlert.objects.count() == 0 and mail.outbox == []


def test_the_task_run_twice_alerts_and_emails_once(live, watching, home, inmate):
    entry = watches.watch_add(actor=watching, facility=home, kind="inmate", inmate=inmate, reason="r", ends_on=END)
    kwargs = dict(call_id=4242, facility_id=home.pk, inmate_id=inmate.pk, number=NUMBER, allowed=True,
                  occurred_at=NOON.isoformat())
    assert watch_alerts(**kwargs) == 1
    assert watch_alerts(**kwargs) == 0
    assert WatchAlert.objects.filter(watch=entry).count() == 1 and len(mail.outbox) == 1


def test_a_second_inmate_dialling_the_watched_number_alerts_again(live, authorize, watching, home,
                                                                  django_capture_on_commit_callbacks):
    watches.watch_add(actor=watching, facility=home, kind="number", number=NUMBER, reason="r", ends_on=END)
    second = InmateFactory(facility=home, register_number="22222-001")
    from calls import services as calls

    calls.minutes_grant_on_booking(inmate=second)
    PhoneListEntryFactory(inmate=second, number=NUMBER)
    with django_capture_on_commit_callbacks(execute=True):
        authorize()
        authorize(register_number="22222-001")
    assert sorted(WatchAlert.objects.values_list("inmate__register_number", flat=True)) == ["12345-001", "22222-001"]
    assert len(mail.outbox) == 2
