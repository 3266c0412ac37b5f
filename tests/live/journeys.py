"""The journeys users make, over HTTP against a running stack (``tests/live``: production; ``tests/demo``:
``make run``). Each journey takes a ``Stack``, books inmates of its own through the API, and asserts what the
platform receives and what the pages show. No test transaction wraps anything: every write is committed by the
portal itself, tasks run on the stack's real Celery worker.

Data: ``seed_demo``'s facilities (fed-dub: self-managed lists; tx-huntsville and cook-county: staff review) and
users (staff, warden, auditor; ``stack.password``); a platform client for all three facilities.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
import uuid

from .http import Browser, Platform, logged_in, text_of
from .stacks import Stack

_serial = itertools.count(1)
_run_id = uuid.uuid4().int % 9000 + 1000


def new_register_number() -> str:
    return f"{_run_id}{next(_serial):02d}-9{uuid.uuid4().int % 100:02d}"


def new_number() -> tuple[str, str]:
    """A fictional (555-01xx) number no seed uses: as dialled, and as the portal stores it (E.164)."""
    n = next(_serial) % 100
    return f"(217) 555-01{n:02d}", f"+1217555{100 + n:04d}"


def wait_until(predicate, *, what: str, timeout: float = 45, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s (is the Celery worker running the task?)")
        time.sleep(interval)


def book(platform: Platform, facility: str, *, last_name: str, first_name: str = "Pat",
         date_of_birth: str = "1990-05-17") -> dict:
    body = {
        "facility": facility, "register_number": new_register_number(), "first_name": first_name,
        "last_name": last_name, "date_of_birth": date_of_birth, "housing_unit": "B-2",
        "admitted_on": (dt.date.today() - dt.timedelta(days=30)).isoformat(),
    }
    inmate = platform.post("/api/v1/roster/book", body, expect=201)
    assert inmate["register_number"] == body["register_number"] and inmate["status"] == "in_custody", inmate
    assert inmate["facility"] == facility and inmate["last_name"] == last_name
    return inmate


def kiosk_request(platform: Platform, inmate: dict, number: str, *, name: str, relationship: str = "parent",
                  expect: int = 201) -> dict:
    return platform.post("/api/v1/phone-list/requests", {
        "facility": inmate["facility"], "register_number": inmate["register_number"], "number": number,
        "contact_name": name, "relationship": relationship,
    }, expect=expect)


def live_numbers(platform: Platform, inmate: dict) -> list[str]:
    body = platform.get(f"/api/v1/facilities/{inmate['facility']}/inmates/{inmate['register_number']}/phone-list")
    assert body["register_number"] == inmate["register_number"]
    return [n["number"] for n in body["numbers"]]


def authorize(platform: Platform, inmate: dict, dialed: str) -> dict:
    decision = platform.post("/api/v1/calls/authorize", {
        "facility": inmate["facility"], "register_number": inmate["register_number"], "dialed_number": dialed,
    }, expect=200)
    assert decision["decision"] in ("allow", "deny"), decision
    return decision


def reasons(decision: dict) -> set[str]:
    return {r["code"] for r in decision["reasons"]}


def complete(platform: Platform, call_id: int, seconds: int) -> dict:
    return platform.post(f"/api/v1/calls/{call_id}/complete", {"duration_seconds": seconds}, expect=200)


def inmate_page(browser: Browser, inmate: dict) -> str:
    """Find the inmate in the facility's inmate list (as staff do) and open their page; returns its path."""
    code = inmate["facility"]
    browser.get(f"/f/{code}/inmates/?register_number={inmate['register_number']}")
    links = set(re.findall(rf'href="(/f/{re.escape(code)}/inmates/\d+/)"', browser.page.text))
    assert len(links) == 1, f"the inmate list shows {len(links)} inmates for {inmate['register_number']}"
    path = links.pop()
    browser.get(path)
    browser.shows(f"{inmate['last_name']}, {inmate['first_name']}", inmate["register_number"])
    return path


def minutes_left(browser: Browser) -> int:
    found = re.search(r"Minutes left ([\d,]+)", browser.text())
    assert found, "the inmate page shows no minutes left"
    return int(found.group(1).replace(",", ""))


def open_all_hours(stack: Stack) -> None:
    """The warden opens calling hours around the clock at every facility, so the journeys do not depend on the
    hour at which the suite runs (calling hours are 06:00-23:00 by default)."""
    warden = logged_in(stack, "warden")
    for code in ("fed-dub", "tx-huntsville", "cook-county"):
        warden.get(f"/f/{code}/policy/")
        warden.submit(warden.form(containing="calling_hours_start"), calling_hours_start="00:00",
                      calling_hours_end="23:59", reason="Journey tests run at any hour")
        warden.shows("The calling policy was saved.")
        warden.shows("Journey tests run at any hour")


# --------------------------------------------------------------------------- the platform API, endpoint by endpoint


def api_endpoints(stack: Stack) -> None:
    platform = Platform(stack)
    anonymous = Platform(stack, token="")
    wrong = Platform(stack, token="not-a-token")

    assert platform.get("/api/v1/calls/ping") == {"status": "ok"}
    assert anonymous.get("/api/v1/calls/ping", expect=401)["code"] == "not_authenticated"
    assert wrong.get("/api/v1/calls/ping", expect=401)["code"] == "invalid_token"

    schema = platform.http.get(stack.url("/api/schema/"), headers={"Accept": "application/json"}, timeout=30)
    assert schema.status_code == 200
    paths = schema.json()["paths"] if "json" in schema.headers["Content-Type"] else schema.text
    for path in ("/api/v1/roster/book", "/api/v1/roster/transfer", "/api/v1/roster/release",
                 "/api/v1/phone-list/requests", "/api/v1/calls/authorize", "/api/v1/calls/{call_id}/complete",
                 "/api/v1/calls/ping", "/api/v1/facilities/{code}/inmates/{register_number}/phone-list"):
        assert path in paths, f"the schema lacks {path}"

    # roster: book, errors, transfer, release, re-admit
    inmate = book(platform, "fed-dub", last_name="Endpoint")
    again = {**{k: inmate[k] for k in ("facility", "register_number", "first_name", "last_name", "date_of_birth",
                                       "admitted_on")}}
    assert platform.post("/api/v1/roster/book", again, expect=409)["code"] == "duplicate_register_number"
    assert platform.post("/api/v1/roster/book", {**again, "facility": "nowhere"}, expect=404)["code"] == \
        "unknown_facility"
    bad = platform.post("/api/v1/roster/book", {**again, "date_of_birth": "yesterday"}, expect=400)
    assert bad["code"] == "invalid_input" and "date_of_birth" in bad["fields"]
    broken = platform.call("POST", "/api/v1/roster/book", raw=b'{"facility": ', expect=400)
    assert broken["code"] == "malformed_json"
    assert anonymous.post("/api/v1/roster/book", again, expect=401)["code"] == "not_authenticated"

    # phone list: a kiosk request (fed-dub is self-managed: live at once), the live list, errors
    dialed, e164 = new_number()
    entry = kiosk_request(platform, inmate, dialed, name="Robin Endpoint")
    assert entry["status"] == "live" and entry["number"] == e164 and entry["register_number"] == inmate[
        "register_number"], entry
    assert kiosk_request(platform, inmate, dialed, name="Robin Endpoint", expect=409)["code"] == "already_on_list"
    assert live_numbers(platform, inmate) == [e164]
    assert platform.get(f"/api/v1/facilities/fed-dub/inmates/{inmate['register_number']}x/phone-list",
                        expect=404)["code"] == "unknown_inmate"

    # calls: authorize, complete (twice: the same answer), errors
    decision = authorize(platform, inmate, dialed)
    assert decision["decision"] == "allow" and decision["call_kind"] == "regular" and decision["monitored"], decision
    assert decision["max_minutes"] == 15  # fed-dub's per-call cap (seed_demo)
    done = complete(platform, decision["call_id"], 61)
    assert done["minutes_charged"] == 2, done
    assert complete(platform, decision["call_id"], 61) == done
    assert platform.post("/api/v1/calls/999999999/complete", {"duration_seconds": 5}, expect=404)["code"] == \
        "unknown_call"
    assert platform.post("/api/v1/calls/authorize", {"facility": "fed-dub", "register_number": "nobody-0",
                                                     "dialed_number": dialed}, expect=404)["code"] == "unknown_inmate"
    assert platform.post("/api/v1/calls/authorize", {"facility": "fed-dub", "register_number": inmate[
        "register_number"], "dialed_number": "12"}, expect=400)["code"] == "invalid_number"
    too_soon = authorize(platform, inmate, dialed)  # fed-dub: 60 minutes from one call's start to the next
    assert too_soon["decision"] == "deny" and "too_soon" in reasons(too_soon) and too_soon["retry_after"], too_soon

    # transfer, release, re-admit
    moved = platform.post("/api/v1/roster/transfer", {
        "facility": "fed-dub", "register_number": inmate["register_number"], "to_facility": "cook-county",
        "transferred_on": dt.date.today().isoformat(), "reason": "Court appearance"}, expect=200)
    assert moved["facility"] == "cook-county" and moved["status"] == "in_custody", moved
    assert platform.post("/api/v1/roster/transfer", {
        "facility": "fed-dub", "register_number": inmate["register_number"], "to_facility": "cook-county",
        "transferred_on": dt.date.today().isoformat()}, expect=404)["code"] == "unknown_inmate"
    released = platform.post("/api/v1/roster/release", {
        "facility": "cook-county", "register_number": inmate["register_number"],
        "released_on": dt.date.today().isoformat(), "reason": "Time served"}, expect=200)
    assert released["status"] == "released" and released["released_on"] == dt.date.today().isoformat()
    assert platform.post("/api/v1/roster/release", {
        "facility": "cook-county", "register_number": inmate["register_number"],
        "released_on": dt.date.today().isoformat()}, expect=409)["code"] == "not_in_custody"
    readmitted = platform.post("/api/v1/roster/book", {**again, "facility": "cook-county"}, expect=201)
    assert readmitted["status"] == "in_custody" and readmitted["released_on"] is None, readmitted


# --------------------------------------------------------------------------- staff


def staff_journey(stack: Stack) -> None:
    """Book (API), kiosk request, the review queue's approval, a call, a block re-screened by the worker, then
    transfer, release and re-admission (API), checked on the pages."""
    platform = Platform(stack)
    inmate = book(platform, "cook-county", last_name="Journeyman", first_name="Casey")
    dialed, e164 = new_number()
    entry = kiosk_request(platform, inmate, dialed, name="Morgan Journeyman")
    assert entry["status"] == "pending", entry  # cook-county reviews every number
    assert live_numbers(platform, inmate) == []
    assert reasons(authorize(platform, inmate, dialed)) == {"not_on_list"}

    staff = logged_in(stack, "staff")
    staff.get(f"/f/cook-county/phone-lists/queue/?inmate={inmate['register_number']}")
    queue = staff.text()
    assert inmate["register_number"] in queue and "Morgan Journeyman" in queue and "Kiosk" in queue
    entry_path = f"/f/cook-county/phone-lists/entries/{entry['id']}/"
    assert entry_path in staff.page.text
    staff.get(entry_path)
    staff.shows("Morgan Journeyman", "Status Waiting for review")
    staff.submit(staff.form(containing="decision"), decision="approve", note="Checked with the family")
    assert staff.page.url.endswith("/f/cook-county/phone-lists/queue/")
    staff.shows("Morgan Journeyman's number is now live.")
    assert live_numbers(platform, inmate) == [e164]

    path = inmate_page(staff, inmate)
    before = minutes_left(staff)
    assert before > 0
    decision = authorize(platform, inmate, dialed)
    assert decision["decision"] == "allow" and decision["call_kind"] == "regular", decision
    assert decision["max_minutes"] == min(20, before)  # cook-county's per-call cap
    done = complete(platform, decision["call_id"], 125)
    assert done == {"minutes_charged": 3, "minutes_remaining": before - 3}, done
    staff.get(path)
    assert minutes_left(staff) == before - 3
    staff.shows("Completed", "3 of")

    # a block: re-screened by the worker; the number leaves the live list and the platform refuses it
    staff.get("/f/cook-county/blocked-numbers/")
    staff.submit(staff.form(containing="reason"), number=dialed, reason=_first_choice(staff, "reason"),
                 note="Harassing calls reported by the victim's family")
    staff.shows("is blocked; the lists carrying it are being screened again.")
    staff.shows("Harassing calls reported by the victim's family")
    wait_until(lambda: e164 not in live_numbers(platform, inmate), what="the blocked number leaves the live list")
    staff.get(entry_path)
    staff.shows("Suspended")
    refused = authorize(platform, inmate, dialed)
    assert refused["decision"] == "deny" and "blocked_number" in reasons(refused), refused

    # transfer to tx-huntsville, release there, re-admission
    platform.post("/api/v1/roster/transfer", {
        "facility": "cook-county", "register_number": inmate["register_number"], "to_facility": "tx-huntsville",
        "transferred_on": dt.date.today().isoformat(), "reason": "Classification"}, expect=200)
    staff.get(path, expect=404)  # cook-county no longer holds the inmate
    moved = {**inmate, "facility": "tx-huntsville"}
    path = inmate_page(staff, moved)
    staff.shows("In custody", "Classification")
    platform.post("/api/v1/roster/release", {
        "facility": "tx-huntsville", "register_number": inmate["register_number"],
        "released_on": dt.date.today().isoformat(), "reason": "Sentence completed"}, expect=200)
    staff.get(path)
    staff.shows("Released", "Sentence completed")
    refused = authorize(platform, moved, dialed)
    assert refused["decision"] == "deny" and "not_in_custody" in reasons(refused), refused
    platform.post("/api/v1/roster/book", {
        "facility": "tx-huntsville", "register_number": inmate["register_number"], "first_name": "Casey",
        "last_name": "Journeyman", "date_of_birth": "1990-05-17", "admitted_on": dt.date.today().isoformat()},
        expect=201)
    staff.get(path)
    staff.shows("In custody", f"Admitted {dt.date.today().isoformat()}")


def _first_choice(browser: Browser, name: str) -> str:
    options = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', browser.page.text, re.DOTALL)
    values = [v for v in re.findall(r'<option value="([^"]*)"', options.group(1)) if v]
    return values[0]


# --------------------------------------------------------------------------- emergency


def emergency_journey(stack: Stack) -> None:
    """Staff log a family's emergency request; the warden approves one call; the platform places it."""
    platform = Platform(stack)
    inmate = book(platform, "cook-county", last_name="Urgent", first_name="Jamie")
    dialed, e164 = new_number()

    staff = logged_in(stack, "staff")
    staff.get("/f/cook-county/emergencies/new/")
    staff.submit(staff.form(containing="caller_name"), inmate_query=inmate["register_number"],
                 caller_name="Dana Urgent", caller_number=dialed, relationship="Mother", category="death",
                 description="The inmate's father died this morning.", channel="phone")
    assert "The emergency request was logged and the wardens were notified." in staff.text()
    found = re.search(r"/f/cook-county/emergencies/(\d+)/$", staff.page.url)
    assert found, staff.page.url
    detail = f"/f/cook-county/emergencies/{found.group(1)}/"
    staff.shows("Dana Urgent", "Death in the immediate family", inmate["register_number"], "Waiting for a warden")
    assert reasons(authorize(platform, inmate, dialed)) >= {"not_on_list"}

    warden = logged_in(stack, "warden")
    warden.get(detail)
    warden.submit(warden.form(action=f"{detail}approve/"), window_hours="24", call_minutes="10",
                  note="Verified with the hospital chaplain")
    warden.shows("The emergency call was approved")
    warden.shows("Call approved", "Not placed yet", "10 minutes, not charged")

    decision = authorize(platform, inmate, dialed)
    assert decision["decision"] == "allow" and decision["call_kind"] == "emergency", decision
    assert decision["max_minutes"] == 10
    assert complete(platform, decision["call_id"], 300)["minutes_charged"] == 0
    warden.get(detail)
    warden.shows(f"(call {decision['call_id']})", "lasted 300 seconds, 0 minutes charged")
    second = authorize(platform, inmate, dialed)  # one call only
    assert second["decision"] == "deny", second
    assert e164 not in live_numbers(platform, inmate)


# --------------------------------------------------------------------------- warden


def warden_journey(stack: Stack) -> None:
    """Grant extra minutes; impose a phone restriction (the platform refuses calls), lift it (calls pass)."""
    platform = Platform(stack)
    inmate = book(platform, "fed-dub", last_name="Warded", first_name="Lee")
    dialed, _ = new_number()
    assert kiosk_request(platform, inmate, dialed, name="Sky Warded")["status"] == "live"  # self-managed list

    warden = logged_in(stack, "warden")
    path = inmate_page(warden, inmate)
    before = minutes_left(warden)
    warden.submit(warden.form(action=f"{path}minutes/grant/"), minutes="45", reason="Legal research week")
    warden.shows(f"45 minutes granted to {inmate['register_number']}.")
    assert minutes_left(warden) == before + 45
    warden.shows("Legal research week")

    warden.submit(warden.form(action=f"{path}restrictions/new/"), reason="Disciplinary finding 2026-118")
    warden.shows(f"Phone restriction imposed on {inmate['register_number']}.")
    warden.shows("In force: legal calls only", "Disciplinary finding 2026-118")
    refused = authorize(platform, inmate, dialed)
    assert refused["decision"] == "deny" and "phone_restricted" in reasons(refused), refused

    lift = re.search(r'href="(/f/fed-dub/restrictions/\d+/lift/)"', warden.page.text)
    assert lift, "the inmate page offers no 'Lift early' link"
    warden.get(lift.group(1))
    warden.submit(warden.form(containing="reason"), reason="Hearing overturned the finding")
    warden.shows(f"The phone restriction of {inmate['register_number']} was lifted.")
    warden.shows("none in force", "Hearing overturned the finding")
    allowed = authorize(platform, inmate, dialed)
    assert allowed["decision"] == "allow", allowed
    assert complete(platform, allowed["call_id"], 0)["minutes_charged"] == 0


# --------------------------------------------------------------------------- auditor


def auditor_journey(stack: Stack) -> None:
    """The auditor reads in the admin (records, the audit trail) and can change nothing."""
    platform = Platform(stack)
    inmate = book(platform, "tx-huntsville", last_name="Audited", first_name="Rene")

    auditor = logged_in(stack, "auditor")
    auditor.get("/admin/")
    auditor.shows("Records, decisions and their history", "Audit events", "Inmates", "Phone list entries")
    auditor.get(f"/admin/facilities/inmate/?q={inmate['register_number']}")
    auditor.shows(inmate["register_number"], "Audited")
    change = re.search(r'href="(/admin/facilities/inmate/(\d+)/change/[^"]*)"', auditor.page.text)
    assert change, "the admin list links no inmate"
    change_path = f"/admin/facilities/inmate/{change.group(2)}/change/"
    auditor.get(change_path)
    auditor.shows("Audited", inmate["register_number"])
    assert 'name="_save"' not in auditor.page.text  # a read-only page
    auditor.post(change_path, {"last_name": "Changed", "first_name": "Rene", "register_number": "x"}, expect=403)
    auditor.get("/admin/audit/auditevent/?q=inmate_booked")
    auditor.shows("inmate_booked")

    # and on the staff pages: reading, yes; writing, no
    auditor.get("/f/tx-huntsville/blocked-numbers/")
    assert "Block a number" not in auditor.text()
    auditor.post("/f/tx-huntsville/blocked-numbers/", {"number": "(217) 555-0199", "reason": "other",
                                                        "note": "auditor tries"}, expect=403)
    staff = logged_in(stack, "staff")
    inmate_page(staff, inmate)  # the inmate is unchanged
    staff.get("/f/tx-huntsville/blocked-numbers/?state=all&q=2175550199")
    assert "auditor tries" not in staff.text()


JOURNEYS = [api_endpoints, staff_journey, emergency_journey, warden_journey, auditor_journey]


def assert_clean_logs(stack: Stack) -> None:
    """No process of the stack logged a crash (a 500, a task that raised) during the journeys. Django's DEBUG
    logging also prints a traceback for a refused request (403, 404): those are answers, not crashes."""
    for name, log in stack.log_text().items():
        crashes = crash_reports(log)
        assert not crashes, f"{stack.name}'s {name} log reports {len(crashes)} crash(es); the first:\n{crashes[0]}"


_ANSWERED = re.compile(r"^(Forbidden|Not Found|Bad Request|Method Not Allowed)\b.*$")


def crash_reports(log: str) -> list[str]:
    lines = log.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)") and not (i and _ANSWERED.match(lines[i - 1])):
            found.append("\n".join(lines[max(0, i - 3): i + 60]))
    return found


__all__ = ["JOURNEYS", "assert_clean_logs", "open_all_hours", "text_of"]
