from django.core.management import call_command

from emergencies.models import EmergencyRequest


def test_seed_demo_adds_emergency_requests_once(db, capsys):
    call_command("seed_demo")
    first = EmergencyRequest.objects.count()
    call_command("seed_demo")
    assert EmergencyRequest.objects.count() == first >= 5
    statuses = set(EmergencyRequest.objects.values_list("status", flat=True))
    assert {"open", "approved", "denied", "message_only"} <= statuses
    assert set(EmergencyRequest.objects.values_list("facility__code", flat=True)) == {"fed-dub", "tx-huntsville", "cook-county"}
    assert EmergencyRequest.objects.filter(escalated_at__isnull=False).exists()
    assert "Emergency requests" in capsys.readouterr().out
