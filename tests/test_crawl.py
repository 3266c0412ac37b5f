"""Crawl the staff pages as every persona: never a 5xx, never another facility's data, no broken links.

A small but realistic data set is built at ``home`` and ``other`` through the apps' services (phone
lists with findings, decisions, court cases, no-contact orders, blocks, calls, ledger entries,
restrictions, emergency requests in every state, a monthly reset, investigators' watch entries with the
alerts the calls raised and their reviews, an inmate transferred from ``other`` to ``home``). Each persona
then logs in and walks, breadth-first and with GET only, every internal link reachable from ``/``, from
their facility dashboards and from the warden's emergency queue. Every page:

- answers 200, or 302 to a page of theirs, or a 403/404 documented below for the role;
- shows no register number, inmate name, contact, caller, case, order or telephone number that
  belongs only to a facility where the user holds no role;
- CSV exports (``export=csv``) answer 200 with text/csv and obey the same rule.

Then every list page found is asked again with garbage in its query string (every field of its
filter form and every parameter seen in links to it: page numbers, dates, unknown choices, very long,
SQL-looking and NUL-bearing strings, non-numeric ids): still no 5xx, and no leak.

Finally every POST form the warden is shown is sent empty and malformed: never a 5xx, field errors
shown, nothing changed (row counts of every table of the apps, history and audit trail included).

The transferred inmate's history follows them (their phone list moves to ``home``; ``other`` keeps its
calls, order and request about them), so every word about them counts as shared.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from approvals import services as approvals
from approvals.models import BlockedNumber, CaseParty, NoContactOrder, PhoneListEntry
from audit.models import AuditEvent
from calls import reset as calls_reset
from calls import services as calls
from calls.models import Call, MonthlyReset, PhoneRestriction
from core.numbers import display_number
from emergencies import services as emergencies
from emergencies.models import EmergencyRequest
from facilities import services as facilities
from facilities.models import CallingPolicy, Role
from facilities.periods import period_for_facility, reset_moment
from investigations import services as investigations
from investigations.models import Review, WatchAlert, WatchEntry
from tests.auth import signed_in

from .factories import FacilityFactory, facility_today, user_with_role

PERSONAS = ["staff", "warden", "auditor", "auditor_all", "investigator", "other_staff", "other_warden"]
SKIP_PREFIXES = ("/logout/", "/admin/", "/api/", "/static/", "/media/")
MAX_PER_SHAPE = 4  # pages read and followed per (route, query keys); every other link is still fetched and checked
GARBAGE = [
    "abc", "-1", "0", "999999", "99999999999999999999999", "2026-13-45", "2026-02-30", "31/12/2026",
    "unknown-choice", "x" * 5000, "' OR 1=1 --", "1; DROP TABLE facilities_inmate;--", "%", "_", "\\",
    "NaN", "true", "\x00", "nul\x00byte", "<script>alert(1)</script>", "   ", "¿ünïcødé?", "+1 (800) 555-0100",
]
GARBAGE_CORE = ["\x00", "99999999999999999999999"]  # sent by every persona; the rest are shared out
ID_PARAMS = ["page", "inmate", "replaces", "q"]
# Links a page may show a role although the role is refused there (documented): none. A page must not
# show a link its reader cannot follow; any 403 or 404 on a shown link is reported.
DOCUMENTED_REFUSALS: dict[str, set[str]] = {}
# The only forms an investigator may be shown: their own watch lists (they decide nothing else).
INVESTIGATOR_OWN = ("/investigations/",)
# The user's own sign-in (new recovery codes): every persona has it, auditors too; it changes no record.
ACCOUNT_OWN = ("/two-factor/",)
# A wrong second-factor code is a failed log-in: its audit event is the one write it makes (docs/sign-in.md).
FAILED_CODE_FORMS = {"two-factor-recovery-codes-new"}

HOME_NAMES = [("Albert", "Abernathy"), ("Beatrice", "Blackwood"), ("Cornelius", "Castellano"),
              ("Dorothea", "Delacroix"), ("Ezekiel", "Eastwood"), ("Florence", "Fairweather"),
              ("Gideon", "Galloway"), ("Henrietta", "Hawthorne"), ("Isadora", "Ironside")]
OTHER_NAMES = [("Jasper", "Jablonski"), ("Katarina", "Kowalczyk"), ("Leopold", "Lindqvist"),
               ("Mirabel", "Montgomery"), ("Nathaniel", "Nakamura"), ("Ophelia", "Okonkwo"),
               ("Percival", "Pemberton"), ("Quentin", "Quarrington"), ("Rosalind", "Rutherford")]


# --------------------------------------------------------------------------- the data set


class Seed:
    """What was built, and the words that belong to one facility only."""

    def __init__(self):
        self.words: dict[str, set[str]] = {"home": set(), "other": set()}
        self.shared: set[str] = set()
        self.users: dict = {}

    def own(self, code: str, *words: str) -> None:
        self.words[code].update(w for w in words if w)

    def number(self, code: str, e164: str) -> None:
        self.own(code, e164, display_number(e164))

    def only(self, code: str) -> set[str]:
        mine = self.words[code] - self.shared
        theirs = self.words["other" if code == "home" else "home"] | self.shared
        return {w for w in mine if w not in theirs}


def _seed_facility(seed: Seed, facility, *, names, area: str, prefix: str, staff_user, warden_user,
                   investigator_user, shared_number):
    code = facility.code
    seed.own(code, facility.name)
    inmates = []
    for n, (first, last) in enumerate(names):
        inmate = facilities.inmate_book(
            facility=facility, register_number=f"{prefix}{n:03d}-{prefix}", first_name=first, last_name=last,
            date_of_birth=dt.date(1980, 1, 1) + dt.timedelta(days=400 * n), admitted_on=dt.date(2025, 3, 1),
            housing_unit=f"{'ABC'[n % 3]}-{n % 2 + 1}", actor=staff_user,
        )
        inmates.append(inmate)
        seed.own(code, inmate.register_number, first, last)
    num = lambda k: f"+1{area}555{k:04d}"  # noqa: E731

    case = approvals.case_create(facility=facility, case_number=f"CR-{prefix}-0042", court="District Court",
                                 description=f"State v. {inmates[0].last_name}", actor=staff_user)
    seed.own(code, case.case_number)
    approvals.party_add(case=case, role=CaseParty.Role.DEFENDANT, name=inmates[0].full_name, inmate=inmates[0],
                        actor=staff_user)
    approvals.party_add(case=case, role=CaseParty.Role.DEFENDANT, name=inmates[1].full_name, inmate=inmates[1],
                        numbers=[num(101)], actor=staff_user)
    approvals.party_add(case=case, role=CaseParty.Role.VICTIM, name=f"Victim {prefix}ward", numbers=[num(102)],
                        actor=staff_user)
    witness = approvals.party_add(case=case, role=CaseParty.Role.WITNESS, name=f"Witness {prefix}ling",
                                  numbers=[num(103)], actor=staff_user)
    seed.own(code, f"Victim {prefix}ward", f"Witness {prefix}ling")
    order = approvals.order_create(
        facility=facility, inmate=inmates[2], protected_name=f"Protected {prefix}son", numbers=[num(104)],
        court="Superior Court", order_number=f"NCO-{prefix}-7", starts_on=facility_today(facility) - dt.timedelta(days=60),
        document_reference="Order signed, docket 14", case=case, actor=staff_user,
    )
    seed.own(code, order.order_number, f"Protected {prefix}son")
    approvals.order_create(
        facility=facility, inmate=inmates[3], protected_name=f"Former {prefix}ley", numbers=[num(114)],
        court="Superior Court", order_number=f"NCO-{prefix}-8", starts_on=facility_today(facility) - dt.timedelta(days=90),
        ends_on=facility_today(facility) - dt.timedelta(days=10), document_reference="Docket 3", actor=staff_user,
    )
    seed.own(code, f"NCO-{prefix}-8", f"Former {prefix}ley")
    approvals.block_create(facility=facility, number=num(105), reason=BlockedNumber.Reason.CALLED_PARTY_REQUEST,
                           note="The called party asked not to be called.", actor=staff_user,
                           source=BlockedNumber.Source.PHONE, identity_check="Called back on the number.",
                           inmate=inmates[3], inmate_told=True)
    approvals.library_add(facility=facility, number=num(115), name=f"Defender {prefix}ford",
                          category="public_defender", monitored=False, reason="Privileged legal line.",
                          actor=warden_user)
    seed.own(code, f"Defender {prefix}ford")
    seed.number(code, num(115))
    approvals.leave_grant(inmate=inmates[4], list_size=40, reason=f"Large family {prefix}", actor=warden_user,
                          ends_on=facility_today(facility) + dt.timedelta(days=30))
    ended = approvals.block_create(facility=facility, number=num(106), reason=BlockedNumber.Reason.INVESTIGATION,
                                   note="Investigation 12.", actor=staff_user)
    approvals.block_end(block=ended, actor=warden_user, note="Investigation closed.")
    for k in range(101, 107):
        seed.number(code, num(k))
    seed.number(code, num(114))

    requests = [
        (inmates[0], num(101), f"Codef {prefix}home", "friend"),
        (inmates[0], num(102), f"Vic {prefix}tim", "friend"),
        (inmates[1], num(103), f"Wit {prefix}ness", "friend"),
        (inmates[2], num(104), f"Pro {prefix}tected", "spouse"),
        (inmates[3], num(105), f"Blo {prefix}cked", "friend"),
        (inmates[4], num(107), f"Aunt {prefix}shared", "other_family"),
        (inmates[5], num(107), f"Aunt {prefix}shared", "other_family"),
        (inmates[6], shared_number, f"Cousin {prefix}cross", "other_family"),
    ]
    family = ["Maria", "Luis", "Tanya"]
    for n, inmate in enumerate(inmates[:8]):
        for k, first in enumerate(family[: 1 + n % 3]):
            requests.append((inmate, num(2000 + n * 10 + k), f"{first} {inmate.last_name}", "parent"))
    entries = []
    for inmate, number, name, relationship in requests:
        try:
            entries.append(approvals.entry_add(inmate=inmate, number=number, contact_name=name,
                                               relationship=relationship, source=PhoneListEntry.Source.STAFF,
                                               actor=staff_user))
        except approvals.EntryError:
            continue
        seed.number(code, number)
        seed.own(code, name)
    legal = approvals.entry_add(inmate=inmates[6], number=num(108), contact_name=f"Counsel {prefix}esq",
                                relationship="attorney", legal=True, bar_number=f"{prefix}24000", bar_state="TX",
                                source=PhoneListEntry.Source.KIOSK, actor=staff_user)
    seed.number(code, num(108))
    seed.own(code, f"Counsel {prefix}esq")
    approvals.entry_approve(entry=legal, actor=warden_user, legal_verified=True, note="Bar number checked.")
    pending = list(PhoneListEntry.objects.filter(facility=facility, status=PhoneListEntry.Status.PENDING)
                   .order_by("pk").prefetch_related("findings"))
    clean = [e for e in pending if not e.findings.all()]
    flagged = [e for e in pending if e.findings.all()]
    assert len(flagged) >= 3 or len(clean) >= 6, pending
    for entry in clean[2:]:  # a reviewer worked most of the clean ones
        approvals.entry_approve(entry=entry, actor=staff_user, note="")
    if flagged:
        approvals.entry_approve(entry=flagged[-1], actor=warden_user, note="Called and verified.")
        approvals.entry_deny(entry=flagged[-2], actor=warden_user, reason="called_party_refused", note="")
    pending = list(PhoneListEntry.objects.filter(facility=facility, status=PhoneListEntry.Status.PENDING))
    live = list(PhoneListEntry.objects.filter(facility=facility, status=PhoneListEntry.Status.LIVE, legal=False))
    approvals.entry_remove(entry=live[0], actor=staff_user, note="The inmate asked to remove it.")
    approvals.entry_suspend(entry=live[1], actor=staff_user, note="Three-way call attempt.")
    PhoneListEntry.objects.filter(pk__in=[e.pk for e in pending[:2]]).update(
        created_at=timezone.now() - dt.timedelta(days=12))
    # A party's number changes afterwards: the entries carrying it are screened again.
    approvals.party_update_numbers(party=witness, numbers=[num(103), num(109)], actor=staff_user,
                                   reason="A second number.")
    seed.number(code, num(109))

    # Minutes, calls, restrictions.
    now = timezone.now()
    period = period_for_facility(facility, at=now)
    record, _ = MonthlyReset.objects.get_or_create(
        facility=facility, period=period,
        defaults={"reset_at": reset_moment(period=period, tz=facility.timezone), "dispatched_at": now},
    )
    calls_reset.facility_reset_run(reset_id=record.pk)
    live = list(PhoneListEntry.objects.filter(facility=facility, status=PhoneListEntry.Status.LIVE)
                .select_related("inmate"))
    # The investigator watches a number and an inmate before the calls: the calls below raise their alerts.
    watched_number = investigations.watch_add(
        actor=investigator_user, facility=facility, kind=WatchEntry.Kind.NUMBER, number=num(199),
        reason=f"Drop-off tip {prefix}alpha", ends_on=facility_today(facility) + dt.timedelta(days=60))
    investigations.watch_add(
        actor=investigator_user, facility=facility, kind=WatchEntry.Kind.INMATE, inmate=live[0].inmate,
        reason=f"Gang intelligence {prefix}bravo", ends_on=facility_today(facility) + dt.timedelta(days=30))
    ended_watch = investigations.watch_add(
        actor=investigator_user, facility=facility, kind=WatchEntry.Kind.NUMBER, number=num(105),
        reason=f"Old lead {prefix}echo", ends_on=facility_today(facility) + dt.timedelta(days=90))
    seed.own(code, f"Drop-off tip {prefix}alpha", f"Gang intelligence {prefix}bravo", f"Old lead {prefix}echo")
    for entry in live[:5]:
        call = calls.call_authorize(facility=facility, register_number=entry.inmate.register_number,
                                    number=entry.number)
        if call.status == "allowed":
            calls.call_complete(call_id=call.pk, duration_seconds=187, facility_ids={facility.pk})
    calls.call_authorize(facility=facility, register_number=inmates[2].register_number, number=num(199))
    seed.number(code, num(199))
    # The calls' alerts are written after the commit (at the end of the world's block); the reviews come now.
    investigations.watch_review(watch=watched_number, actor=investigator_user, outcome=Review.Outcome.KEEP,
                                reason=f"Still productive {prefix}charlie")
    investigations.watch_review(watch=ended_watch, actor=investigator_user, outcome=Review.Outcome.END,
                                reason=f"Source dried up {prefix}delta")
    seed.own(code, f"Still productive {prefix}charlie", f"Source dried up {prefix}delta")
    calls.minutes_grant_extra(inmate=inmates[1], minutes=45, reason="Good cause: a court date.", actor=warden_user)
    calls.restriction_impose(inmate=inmates[3], starts_at=now - dt.timedelta(days=2), ends_at=None,
                             reason="Disciplinary hearing 114.", actor=warden_user)
    lifted = calls.restriction_impose(inmate=inmates[4], starts_at=now - dt.timedelta(days=9),
                                      ends_at=now + dt.timedelta(days=20), reason="Hearing 115.", actor=warden_user)
    calls.restriction_lift(restriction=lifted, reason="Good behaviour.", actor=warden_user)
    calls.restriction_impose(inmate=inmates[5], starts_at=now + dt.timedelta(days=3),
                             ends_at=now + dt.timedelta(days=10), reason="Hearing 116 (scheduled).", actor=warden_user)

    # Emergency requests in every state.
    outcomes = ["open", "open", "approved", "denied", "message_only"]
    for k, outcome in enumerate(outcomes):
        caller = f"Caller {prefix}{'abcde'[k]}"
        number = shared_number if k == 1 else num(300 + k)
        req = emergencies.emergency_request_log(
            facility=facility, inmate=inmates[k + 1], caller_name=caller, caller_number=number,
            relationship="Mother", category=EmergencyRequest.Category.DEATH,
            description=f"The inmate's father died ({prefix}).", channel=EmergencyRequest.Channel.PHONE,
            received_at=now - dt.timedelta(hours=3 + k * 5), actor=staff_user,
        )
        seed.own(code, caller)
        if number != shared_number:
            seed.number(code, number)
        if outcome == "approved":
            emergencies.emergency_request_approve(request=req.pk, actor=warden_user, note="Verified.")
        elif outcome == "denied":
            emergencies.emergency_request_deny(request=req.pk, actor=warden_user, reason="Not an emergency.")
        elif outcome == "message_only":
            emergencies.emergency_request_message_only(request=req.pk, actor=warden_user, delivered_by="Chaplain",
                                                       delivered_at=now - dt.timedelta(hours=1), note="")
    facilities.inmate_release(inmate=inmates[8], released_on=facility_today(inmates[8].facility), actor=staff_user)
    return inmates


def _words_about(inmate) -> set[str]:
    """An inmate's identity and every record about them (both facilities may show these after a transfer)."""
    words = {inmate.register_number, inmate.first_name, inmate.last_name}
    for number, name in PhoneListEntry.objects.filter(inmate=inmate).values_list("number", "contact_name"):
        words |= {number, display_number(number), name}
    for (number,) in Call.objects.filter(inmate=inmate).values_list("number"):
        words |= {number, display_number(number)}
    for order in NoContactOrder.objects.filter(inmate=inmate).prefetch_related("numbers"):
        words |= {order.order_number, order.protected_name}
        words |= {w for n in order.numbers.all() for w in (n.number, display_number(n.number))}
    for name, number in EmergencyRequest.objects.filter(inmate=inmate).values_list("caller_name", "caller_number"):
        words |= {name, number, display_number(number)}
    assert len(words) > 8
    return words


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end (each test's own
    transaction is a savepoint inside it), so that six crawls share one data set."""
    from django.test import TestCase

    with django_db_blocker.unblock(), transaction.atomic():
        home = FacilityFactory(code="home", name="Home Correctional Center", timezone="America/Chicago")
        other = FacilityFactory(code="other", name="Other County Jail", kind="county", timezone="America/New_York")
        users = {
            "staff": user_with_role(Role.STAFF, home, username="staff"),
            "warden": user_with_role(Role.WARDEN, home, username="warden"),
            "auditor": user_with_role(Role.AUDITOR, home, username="auditor"),
            "auditor_all": user_with_role(Role.AUDITOR, None, username="auditor_all"),
            "investigator": user_with_role(Role.INVESTIGATOR, home, username="investigator"),
            "other_staff": user_with_role(Role.STAFF, other, username="other_staff"),
            "other_warden": user_with_role(Role.WARDEN, other, username="other_warden"),
            # Keeps other's watch lists (no crawl of their own: the admin matrix needs other's records).
            "other_investigator": user_with_role(Role.INVESTIGATOR, other, username="other_investigator"),
        }
        seed = Seed()
        seed.users = users
        shared_number = "+17735550142"
        seed.shared.update({shared_number, display_number(shared_number)})
        with TestCase.captureOnCommitCallbacks(execute=True):
            for facility in (home, other):
                CallingPolicy.objects.filter(facility=facility).update(
                    calling_hours_start=dt.time(0, 0), calling_hours_end=dt.time(23, 59))
            CallingPolicy.objects.filter(facility=home).update(list_mode=CallingPolicy.ListMode.STAFF_REVIEW,
                                                               screen_codefendants=True)
            _seed_facility(seed, home, names=HOME_NAMES, area="312", prefix="41", staff_user=users["staff"],
                           warden_user=users["warden"], investigator_user=users["investigator"],
                           shared_number=shared_number)
            other_inmates = _seed_facility(seed, other, names=OTHER_NAMES, area="212", prefix="97",
                                           staff_user=users["other_staff"], warden_user=users["other_warden"],
                                           investigator_user=users["other_investigator"],
                                           shared_number=shared_number)
            # A system-wide block entered at other shows at home too (by design).
            approvals.block_create(facility=other, number="+12125550999", system_wide=True,
                                   reason=BlockedNumber.Reason.VICTIM_REQUEST, note="Victim's request, system-wide.",
                                   actor=users["other_warden"])
            seed.shared.update({"+12125550999", display_number("+12125550999")})
            # An inmate moves from other to home with an order, a phone list, calls and an open emergency
            # request: their history follows them (home may see it) and other keeps its records about them.
            moved = other_inmates[2]
            facilities.inmate_transfer(inmate=moved, to_facility=home, transferred_on=facility_today(home),
                                       actor="jms", reason="Court order")
            seed.shared.update(_words_about(moved))
        assert PhoneRestriction.objects.filter(facility=home).count() == 3
        for facility in (home, other):  # the watched number was dialled (denied), the watched inmate called
            alerts = WatchAlert.objects.filter(facility=facility)
            assert alerts.filter(watch__kind=WatchEntry.Kind.NUMBER, allowed=False).count() == 1
            assert alerts.filter(watch__kind=WatchEntry.Kind.INMATE, allowed=True).exists()
            assert Review.objects.filter(facility=facility, kind=Review.Kind.WATCH).count() == 2
        assert EmergencyRequest.objects.filter(facility=other).values("status").distinct().count() >= 4
        yield seed
        transaction.set_rollback(True)


# --------------------------------------------------------------------------- the crawler


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.get_forms: list[dict] = []
        self.post_forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            method = (a.get("method") or "get").lower()
            self._form = {"action": a.get("action") or "", "fields": set(), "method": method, "hidden": {},
                          "buttons": {}}
            (self.get_forms if method == "get" else self.post_forms).append(self._form)
        elif tag in ("input", "select", "textarea", "button") and self._form is not None and a.get("name"):
            kind = a.get("type") or ""
            if tag == "input" and kind == "hidden":
                if a["name"] != "csrfmiddlewaretoken":
                    self._form["hidden"][a["name"]] = a.get("value") or ""
            elif tag == "button" or kind == "submit":
                self._form["buttons"][a["name"]] = a.get("value") or ""
            else:
                self._form["fields"].add(a["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def _internal(base: str, href: str) -> str | None:
    if href.startswith(("mailto:", "tel:", "javascript:", "#")):
        return None
    url = urljoin("http://testserver" + base, href)
    parts = urlsplit(url)
    if parts.netloc != "testserver":
        return None
    path = parts.path
    if path.startswith(SKIP_PREFIXES):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def _shape(url: str) -> tuple:
    parts = urlsplit(url)
    try:
        name = resolve(parts.path).url_name
    except Resolver404:
        name = parts.path
    return name, tuple(sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)} - {"page"}))


class Crawl:
    def __init__(self, client, persona: str, forbidden: set[str]):
        self.client = client
        self.persona = persona
        self.forbidden = sorted(forbidden, key=len, reverse=True)
        self.problems: list[str] = []
        self.seen: set[str] = set()
        self.pages: dict[str, list[dict]] = {}  # url -> its GET forms
        self.per_shape: dict[tuple, int] = {}
        self.reported: set[tuple] = set()
        self.referers: dict[str, set[str]] = {}
        self.broken: dict[str, int] = {}
        self.post_actions: dict[str, str] = {}  # where a shown POST form goes -> the page showing it
        self.post_forms: list[dict] = []  # every POST form shown: action, fields, hidden values, page
        self.csv = 0
        self.params: dict[str, set[str]] = {}  # route name -> query keys seen in links to it

    def fetch(self, url: str):
        try:
            with transaction.atomic():  # a database error inside one request must not poison the next ones
                return self.client.get(url)
        except Exception as exc:  # the test client re-raises a view's exception: that is a 500
            self.report("500", url, f"{type(exc).__name__}: {str(exc)[:150]}")
            return None

    def leaks(self, url: str, text: str) -> None:
        found = [w for w in self.forbidden if w in text]
        if found:
            self.report("LEAK", url, f"shows {found[:5]}")

    def body(self, response) -> str:
        if response.streaming:
            return b"".join(response.streaming_content).decode()
        return response.content.decode()

    def visit(self, url: str, referer: str, *, parse: bool = True) -> list[str]:
        """Fetch one link and check it; with ``parse``, also read its links and forms to follow them."""
        response = self.fetch(url)
        if response is None:
            return []
        status = response.status_code
        if status >= 500:
            self.problems.append(f"{status} {url} (linked from {referer})")
            return []
        if status in (301, 302):
            target = _internal(url, response["Location"])
            if target is None or target.startswith("/login/"):
                self.problems.append(f"302 {url} leads away to {response['Location']} (linked from {referer})")
                return []
            return [target]
        if status != 200:
            name = _shape(url)[0]
            if name not in DOCUMENTED_REFUSALS.get(self.persona, set()):
                self.broken[url] = status
            return []
        text = self.body(response)
        self.leaks(url, text)
        if "export=csv" in url:
            if not response["Content-Type"].startswith("text/csv"):
                self.problems.append(f"CSV {url} answered {response['Content-Type']}")
            self.csv += 1
            return []
        if not parse:
            return []
        parser = _Links()
        parser.feed(text)
        self.pages[url] = parser.get_forms
        for form in parser.post_forms:
            action = _internal(url, form["action"]) if form["action"] else url.split("?")[0]
            if action is None:
                continue
            if urlsplit(action).path.startswith(ACCOUNT_OWN):
                pass
            elif self.persona.startswith("auditor") or (
                self.persona == "investigator" and not urlsplit(action).path.startswith(INVESTIGATOR_OWN)
            ):
                self.report("FORM", url, f"shows an {self.persona} a form that changes data ({action})")
            self.post_actions.setdefault(action, url)
            self.post_forms.append({**form, "action": action, "page": url})
        links = [u for u in (_internal(url, h) for h in parser.links) if u]
        for link in links:
            parts = urlsplit(link)
            self.params.setdefault(_shape(parts.path)[0], set()).update(
                k for k, _ in parse_qsl(parts.query, keep_blank_values=True))
        return links

    def run(self, starts: list[str]) -> None:
        queue = deque((s, "(start)") for s in starts)
        while queue:
            url, referer = queue.popleft()
            self.referers.setdefault(url, set()).add(referer)
            if url in self.seen:
                continue
            self.seen.add(url)
            shape = _shape(url)
            self.per_shape[shape] = self.per_shape.get(shape, 0) + 1
            follow = self.visit(url, referer, parse=self.per_shape[shape] <= MAX_PER_SHAPE)
            for link in follow:
                queue.append((link, url))
        for url, status in self.broken.items():
            shown_on = sorted(self.referers[url])
            self.problems.append(f"{status} {url} for {self.persona}, linked from {', '.join(shown_on[:8])}"
                                 + (f" and {len(shown_on) - 8} more" if len(shown_on) > 8 else ""))

    def report(self, kind: str, url: str, detail: str) -> None:
        """One report per kind of problem and route: a broken page is reported once, not once per query."""
        key = (kind, _shape(urlsplit(url).path)[0], detail)
        if key not in self.reported:
            self.reported.add(key)
            self.problems.append(f"{kind} {url[:200]} {detail}")

    def ask(self, url: str) -> None:
        response = self.fetch(url)
        if response is None:
            return
        if response.status_code >= 500 or response.status_code not in (200, 302, 400):
            self.report(str(response.status_code), url, "")
        elif response.status_code == 200:
            text = self.body(response)
            found = [w for w in self.forbidden if w in text]
            if found:
                self.report("LEAK", url, f"shows {found[:5]}")

    def form_targets(self) -> None:
        """Where each shown POST form goes answers a GET with its page (200) or 405: never 403, 404 or 5xx."""
        per_route: dict[str, int] = {}
        for action, page in self.post_actions.items():
            name = _shape(urlsplit(action).path)[0]
            if name in ("logout",):
                continue
            per_route[name] = per_route.get(name, 0) + 1
            if per_route[name] > 2:
                continue
            response = self.fetch(action)
            if response is not None and response.status_code not in (200, 405):
                self.report(str(response.status_code), action, f"a form on {page} posts here")

    def garbage(self, *, rotation: int = 0) -> int:
        """The list pages again with garbage in each field of their filter forms (and ``page``); the
        other pages with garbage in the parameters views read (``page``, ``inmate``, ``replaces``).

        Every persona sends the core values; the rest are shared out between personas by ``rotation``.
        Returns how many requests were made."""
        rest = [v for v in GARBAGE if v not in GARBAGE_CORE]
        extra = [v for k, v in enumerate(rest) if k % len(PERSONAS) == rotation % len(PERSONAS)]
        asked = 0
        done = set()
        for url, forms in self.pages.items():
            path = urlsplit(url).path
            name = _shape(path)[0]
            if name in done:
                continue
            done.add(name)
            fields = set().union(*(form["fields"] for form in forms)) if forms else set()
            fields |= self.params.get(name, set()) - {"export"}
            values = GARBAGE_CORE + extra
            if not fields:  # a page that reads no query string: one request with the usual ones
                values = ["abc", "\x00", "99999999999999999999999", "x" * 5000]
                self.ask(f"{path}?" + urlencode(dict(zip(ID_PARAMS, values, strict=False))))
                asked += 1
                continue
            fields.add("page")
            for field in sorted(fields):
                for value in values:
                    self.ask(f"{path}?{urlencode({field: value})}")
                    asked += 1
            # every field garbage at once
            self.ask(f"{path}?" + urlencode({f: GARBAGE[(i * 7 + rotation) % len(GARBAGE)]
                                             for i, f in enumerate(sorted(fields))}))
            asked += 1
        return asked


def _user_facility_codes(persona: str) -> list[str]:
    return {"staff": ["home"], "warden": ["home"], "auditor": ["home"], "auditor_all": ["home", "other"],
            "investigator": ["home"], "other_staff": ["other"], "other_warden": ["other"]}[persona]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_crawl_every_page_as(world, client, persona):
    codes = _user_facility_codes(persona)
    forbidden = set() if len(codes) == 2 else world.only("other" if codes == ["home"] else "home")
    assert persona == "auditor_all" or len(forbidden) > 50
    signed_in(client, world.users[persona])
    crawl = Crawl(client, persona, forbidden)
    crawl.run(["/", "/emergencies/", *[f"/f/{code}/" for code in codes]])
    reached = {_shape(url)[0] for url in crawl.pages}
    expected = {"facility-dashboard", "facility-policy", "inmate-list", "inmate-detail", "approvals-queue",
                "approvals-entry", "approvals-orders", "approvals-order", "approvals-cases", "approvals-case",
                "approvals-blocks", "approvals-block", "approvals-library", "approvals-library-number",
                "approvals-leaves", "approvals-leave", "calls-list", "calls-ledger", "emergency-list",
                "emergency-detail", "emergency-queue-all"}
    if persona in ("staff", "warden", "other_staff", "other_warden"):
        expected |= {"approvals-entry-add", "emergency-new"}
    if persona in ("warden", "other_warden"):
        expected |= {"calls-grant-minutes", "calls-restriction-new", "calls-restriction-lift", "calls-resets"}
    crawl.form_targets()
    reached |= {_shape(url)[0] for url in crawl.post_actions}
    assert expected <= reached, f"{persona} never reached {sorted(expected - reached)}"
    assert crawl.csv >= 1, "the calls page's CSV export was never reached"
    asked = crawl.garbage(rotation=PERSONAS.index(persona))
    assert asked > 150
    assert not crawl.problems, f"{persona}: {len(crawl.problems)} problem(s):\n" + "\n".join(crawl.problems[:60])


@pytest.mark.django_db
def test_the_leak_check_can_fail(world, client):
    """Home's own words are on home's pages: the same check finds them, so their absence elsewhere means something."""
    signed_in(client, world.users["staff"])
    crawl = Crawl(client, "staff", world.only("home"))
    crawl.run(["/f/home/"])
    leaks = [p for p in crawl.problems if p.startswith("LEAK")]
    assert any(p.startswith("LEAK /f/home/inmates/") for p in leaks)
    assert any(p.startswith("LEAK /f/home/emergencies/") for p in leaks)


def _snapshot() -> dict[str, int]:
    """Row counts of every model of the apps (their history tables and the audit trail included), in one query."""
    from django.apps import apps
    from django.db import connection

    labels = ("facilities", "approvals", "calls", "emergencies", "investigations", "audit")
    tables = sorted({model._meta.db_table for label in labels for model in apps.get_app_config(label).get_models()})
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {quote(t)})" for t in tables))
        return dict(zip(tables, cursor.fetchone(), strict=True))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["warden"])
def test_every_post_form_refuses_empty_and_malformed_input(world, client, persona):
    """Each POST form the crawl finds, sent empty, with a NUL in every field, and with its hidden values
    (which record, which action) replaced by garbage: never a 5xx, field errors shown, nothing changed.
    Sent with long text, impossible dates, huge numbers or SQL in every field: never a 5xx, and nothing
    changed unless the form accepted the input (302)."""
    signed_in(client, world.users[persona])
    codes = _user_facility_codes(persona)
    crawl = Crawl(client, persona, set())
    crawl.run(["/", "/emergencies/", *[f"/f/{code}/" for code in codes]])
    assert not crawl.problems
    forms: dict[tuple, dict] = {}
    for form in crawl.post_forms:
        name = _shape(urlsplit(form["action"]).path)[0]
        if name != "logout":
            forms.setdefault((name, tuple(sorted(form["hidden"].items())) if "action" in form["hidden"] else ()), form)
    assert len(forms) >= 18, sorted(forms)
    problems = []
    for (name, _), form in sorted(forms.items(), key=lambda kv: kv[0][0]):
        buttons = form["buttons"]
        variants = {
            "empty": {**form["hidden"], **buttons, **{f: "" for f in form["fields"]}},  # as a browser sends it
            "NUL in every field": {**form["hidden"], **buttons, **{f: "bad\x00value" for f in form["fields"]}},
        }
        for label, garbage in (("long text", "x" * 5000), ("impossible date", "2026-13-45"),
                               ("huge number", "99999999999999999999999"), ("SQL", "1' OR '1'='1")):
            variants[f"{label} in every field"] = {**form["hidden"], **buttons, **{f: garbage for f in form["fields"]}}
        for field in form["hidden"]:
            if field != "action":
                for garbage in ("abc", "99999999999999999999999", "-1"):
                    variants[f"{field}={garbage}"] = {**form["hidden"], **buttons, field: garbage}
        for variant, data in variants.items():
            before = _snapshot()
            last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            try:
                with transaction.atomic():
                    response = client.post(form["action"], data)
            except Exception as exc:
                problems.append(f"500 POST {form['action']} ({name}, {variant}): {type(exc).__name__}: {exc}"[:300])
                continue
            where = f"POST {form['action']} ({name}, {variant}) from {form['page']}"
            if response.status_code >= 500:
                problems.append(f"{response.status_code} {where}")
            elif _snapshot() != before and response.status_code != 302:
                changed = {k for k, v in _snapshot().items() if before.get(k) != v}
                added = set(AuditEvent.objects.filter(pk__gt=last_event).values_list("action", flat=True))
                if not (name in FAILED_CODE_FORMS and changed == {"audit_auditevent"} and added == {"two_factor_failed"}
                        and "errorlist" in response.content.decode()):
                    problems.append(f"CHANGED {sorted(changed)[:4]} by {where}")
            elif _snapshot() != before and (variant in ("empty", "NUL in every field") or "=" in variant):
                problems.append(f"ACCEPTED {where}")
            elif response.status_code in (200, 400) and variant in ("empty", "NUL in every field"):
                if "errorlist" not in response.content.decode():
                    problems.append(f"NO FIELD ERROR shown by {where} ({response.status_code})")
            elif response.status_code in (200, 400) and "=" not in variant \
                    and "errorlist" not in response.content.decode():
                problems.append(f"NO FIELD ERROR shown by {where} ({response.status_code})")
            elif response.status_code not in (200, 302, 400, 404):
                problems.append(f"{response.status_code} {where}")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
