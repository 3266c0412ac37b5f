"""Two wardens decide the same request at once (PostgreSQL row lock): one decision stands."""

import threading

import pytest
from django.db import connection

from audit.models import AuditEvent
from emergencies import services
from emergencies.models import EmergencyRequest
from facilities.models import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_wardens_at_once_one_decision_stands(open_request, warden, home):
    assert connection.vendor == "postgresql"
    second = user_with_role(Role.WARDEN, home, username="warden2")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(name, fn):
        from django.db import connections

        try:
            barrier.wait()
            fn()
            outcomes[name] = "ok"
        except services.AlreadyDecided as exc:
            outcomes[name] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=decide, args=("approve", lambda: services.emergency_request_approve(
            request=open_request.pk, actor=warden))),
        threading.Thread(target=decide, args=("deny", lambda: services.emergency_request_deny(
            request=open_request.pk, actor=second, reason="Not verified."))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(type(v).__name__ for v in outcomes.values()) == ["AlreadyDecided", "str"]
    winner = next(name for name, v in outcomes.items() if v == "ok")
    loser = outcomes["deny" if winner == "approve" else "approve"]
    request = EmergencyRequest.objects.get(pk=open_request.pk)
    assert request.status == (EmergencyRequest.Status.APPROVED if winner == "approve" else EmergencyRequest.Status.DENIED)
    # The loser is told the decision that stands.
    assert loser.record.status == request.status and "That decision stands" in loser.message
    decisions = AuditEvent.objects.filter(action__in=["emergency_call_approved", "emergency_request_denied"])
    assert decisions.count() == 1
    assert request.events.exclude(kind="logged").count() == 1
