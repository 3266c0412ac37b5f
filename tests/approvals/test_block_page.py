"""A blocked number's page shows the block and lifts it (issue 8, defect 10).

Inside ``{% block %}`` Django sets its own ``block`` variable, so a context variable named ``block``
rendered as nothing: the page was blank and the lift form hidden.
"""

import re
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from approvals import services
from approvals.models import BlockedNumber, PhoneListEntry
from audit.models import AuditEvent

from ..factories import InmateFactory
from .factories import PhoneListEntryFactory

NUMBER = "+13125550147"
S = PhoneListEntry.Status
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _local(moment, facility) -> str:
    return timezone.localtime(moment, facility.tz).strftime("%Y-%m-%d %H:%M")


def test_block_page_shows_number_scope_reason_note_who_and_when(login, staff, home):
    staff.first_name, staff.last_name = "Sam", "Clerk"
    staff.save()
    block = services.block_create(facility=home, number="(312) 555-0147", reason="investigation",
                                  note="Detective Ruiz, case 44-B", actor=staff)
    response = login(staff).get(reverse("approvals-block", args=["home", block.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1>Block of <abbr class="number" title="+13125550147">(312) 555-0147</abbr></h1>' in page
    assert "<title>Block of (312) 555-0147" in page
    assert "Home Correctional Center" in page  # where it applies
    assert "Investigation" in page and "Detective Ruiz, case 44-B" in page
    assert "Sam Clerk at home" in page and _local(block.created_at, home) in page
    assert "until lifted" in page
    assert 'name="note"' in page and "Lift the block" in page  # the lift form is offered


def test_system_wide_block_page_says_every_facility(login, warden, home):
    block = services.block_create(facility=home, number=NUMBER, reason="other", note="Fraud line",
                                  system_wide=True, actor=warden)
    page = login(warden).get(reverse("approvals-block", args=["home", block.pk])).content.decode()
    assert "Every facility" in page and "Fraud line" in page and "(312) 555-0147" in page


def test_lifting_a_block_through_its_page_ends_it_and_rescreens(login, staff, home, inmate,
                                                                 django_capture_on_commit_callbacks):
    entry = PhoneListEntryFactory(inmate=inmate, number=NUMBER)
    bystander = PhoneListEntryFactory(inmate=InmateFactory(facility=home), number="+13125550199")
    client = login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("approvals-blocks", args=["home"]),
                               {"number": "312-555-0147", "reason": "investigation", "note": "Case 44"})
    assert response.status_code == 302
    block = BlockedNumber.objects.get()
    entry.refresh_from_db()
    assert entry.status == S.SUSPENDED and entry.has_block
    detail = reverse("approvals-block", args=["home", block.pk])
    assert "Lift the block" in client.get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail, {"note": "Investigation closed"}, follow=True)
    assert response.redirect_chain[-1][0] == detail
    page = response.content.decode()
    block.refresh_from_db()
    assert block.ended_at is not None and block.ended_by == staff and block.end_note == "Investigation closed"
    assert "Lifted" in page and "Investigation closed" in page and _local(block.ended_at, home) in page
    assert "Lift the block</button>" not in page  # nothing left to lift
    entry.refresh_from_db()
    bystander.refresh_from_db()
    assert entry.status == S.PENDING and not entry.has_block  # re-screened: back to review, not live by itself
    assert bystander.status == S.LIVE
    assert AuditEvent.objects.filter(action="number_unblocked", actor=staff, target_id=str(block.pk)).exists()


def test_a_post_to_a_lifted_block_says_so_and_changes_nothing(login, staff, home):
    block = services.block_create(facility=home, number=NUMBER, reason="investigation", note="Case 44", actor=staff)
    services.block_end(block=block, actor=staff, note="Closed")
    response = login(staff).post(reverse("approvals-block", args=["home", block.pk]),
                                 {"note": "Again", "paperwork": ""}, follow=True)
    assert response.redirect_chain
    assert "This block was already lifted; nothing was changed." in response.content.decode()
    block.refresh_from_db()
    assert block.end_note == "Closed"
    assert AuditEvent.objects.filter(action="number_unblocked").count() == 1


def test_no_template_reads_a_context_variable_named_block():
    """``block`` inside any ``{% block %}`` is Django's BlockNode (only ``block.super`` means anything)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"(\{\{|\{%)[^}]*?\bblock\.(?!super\b)\w+", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
        for match in re.finditer(r"\{%\s*(for|with)\b[^%]*\bblock\b", text):
            offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert offenders == []
