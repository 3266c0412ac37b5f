from django.core.management import call_command

from facilities.models import Facility, Inmate, RoleAssignment


def test_seed_demo_twice_gives_the_same_data(db, capsys):
    call_command("seed_demo")
    first = (Facility.objects.count(), Inmate.objects.count(), RoleAssignment.objects.count())
    call_command("seed_demo")
    second = (Facility.objects.count(), Inmate.objects.count(), RoleAssignment.objects.count())
    assert first == second
    assert first[0] == 3 and first[1] >= 300
    out = capsys.readouterr().out
    assert "staff" in out and "warden" in out and "auditor" in out and "password" in out
    fed, state, county = (Facility.objects.get(code=c).policy for c in ("fed-dub", "tx-huntsville", "cook-county"))
    assert (fed.list_mode, fed.monthly_minutes, fed.per_call_minutes, fed.call_gap_minutes) == ("self_managed", 300, 15, 60)
    assert (state.list_mode, state.screen_codefendants, state.per_call_minutes) == ("staff_review", True, 30)
    assert (county.list_mode, county.screen_codefendants, county.list_size) == ("staff_review", False, 20)
