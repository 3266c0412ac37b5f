"""The screening engine (domain.md §3): every finding for many (inmate, number) subjects at once. Reads only.

ONE statement reads every fact that makes a finding, for any number of subjects: the subjects go in as one
JSON parameter (a table of rows: inmate, facility, number, the facility's local day, whether the list
limits apply), and a ``UNION ALL`` of index look-ups, each branch tagged with its kind, returns the rows:
orders in force, active blocks applying to the subject, the facility number library's numbers, case
parties, other inmates' live or pending entries of the number (the first seven, by a window function) and,
for list requests, the list's size, last change and warden's leave. The policies (with their facility)
are one more query unless given. Screening one number is this statement on one subject; re-screening,
list imports and the re-screen tasks run the very same statement on many.

Each rule is written once and compiled into the statement from its definition: ``in_force_q``,
``BlockedNumber.objects.active().applying_to()``, ``LibraryNumber.objects.open().applying_to()``,
``list_counted_q`` and ``limits.leave_row`` (the subject's columns stand where they take an id or a day), and
``SHARED_STATUSES``. The statement is built once per database vendor (PostgreSQL or SQLite: only the
subjects' table differs) and bound of subjects, and kept: screening a number compiles nothing. On PostgreSQL
it is prepared on the connection (``core.db.prepared_cursor``): planning it costs more than running it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from django.db import connection as default_connection
from django.db.models import (
    BigIntegerField,
    Count,
    DateField,
    DateTimeField,
    Expression,
    Max,
    OuterRef,
    Q,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core.db import prepared_cursor
from core.numbers import NumberNotCallable, display_number, normalize_number
from facilities.models import CallingPolicy, Facility, Inmate
from facilities.times import local_day

from ..limits import LeaveFacts, effective_list_limits, leave_row
from ..models import (
    BlockedNumber,
    CaseParty,
    CourtCase,
    LibraryNumber,
    NoContactOrder,
    PartyNumber,
    PhoneListEntry,
    ProtectedNumber,
    in_force_q,
)
from ..selectors import list_counted_q
from .findings import (
    ScreenFinding,
    block_finding,
    by_severity,
    change_too_soon_finding,
    list_full_finding,
    not_callable_finding,
    order_finding,
    party_finding,
    shared_finding,
)

PURPOSES = ("list", "emergency", "rescreen")
# The entries of other inmates that make a number "shared": live ones and those waiting for review.
SHARED_STATUSES = PhoneListEntry.LISTED_STATUSES
SHARED_SHOWN = 6  # other inmates named in a shared-number finding (5, "and others" past that)


@dataclass(frozen=True)
class Subject:
    """One number to screen for one inmate.

    ``purpose``: "list" (a new list entry: size and change-interval limits apply), "emergency" (an emergency
    caller) or "rescreen" (an existing entry): no list limits for those two. ``exclude_entry_id``: an entry
    left out of the list's size and last change. ``number_changed``: the number replaces that entry because
    the contact's number changed (domain.md §2): exempt from the change interval. ``readers_facility_id``:
    the facility whose staff read the findings when it is not the inmate's: other inmates are named only
    when held there.
    """

    key: Hashable
    inmate_id: int
    facility_id: int  # the inmate's facility: its policy and its local day apply
    number: str
    legal: bool = False
    purpose: str = "rescreen"
    exclude_entry_id: int | None = None
    number_changed: bool = False
    readers_facility_id: int | None = None

    def __post_init__(self):
        if self.purpose not in PURPOSES:
            raise ValueError(f"purpose must be one of {PURPOSES}")


# --------------------------------------------------------------------------- the statement

SUBJECTS = "screen_subjects"  # the statement's table of subjects (alias ``s`` in its branches)
LISTS = "screen_lists"  # list requests' inmates: their list's size, last change and leave

# The subjects' table, per vendor: the time of screening and the subjects as one JSON array.
# Columns: k (the subject's position), inmate_id, facility_id, number, day (the facility's local day),
# lists (list limits apply), exclude_id (an entry left out of the list), screened_at (now).
_SUBJECT_COLUMNS = (("k", "integer"), ("inmate_id", "bigint"), ("facility_id", "bigint"), ("number", "text"),
                    ("day", "date"), ("lists", "boolean"), ("exclude_id", "bigint"))
_SUBJECTS_SQL = {
    "postgresql": (f"{SUBJECTS} AS (SELECT t.*, CAST(%s AS timestamptz) AS screened_at FROM jsonb_to_recordset("
                   f"CAST(%s AS jsonb)) AS t({', '.join(f'{name} {kind}' for name, kind in _SUBJECT_COLUMNS)})"
                   "{limit})"),
    "sqlite": (f"{SUBJECTS} AS (SELECT "
               + ", ".join(f"json_extract(value, '$.{name}') AS {name}" for name, _ in _SUBJECT_COLUMNS)
               + ", %s AS screened_at FROM json_each(%s){limit})"),
}
# A LIMIT of at least the number of subjects (it leaves none out) tells PostgreSQL's planner how many rows the
# JSON holds (it assumes 100 of any set-returning function): one subject, so index look-ups, not hash joins.
# It is written in the statement, not passed: a prepared statement's generic plan then costs what each custom
# plan costs, and PostgreSQL keeps it instead of planning every screening again. One statement per bound.
LIMITS = (1, 10, 100)  # subjects up to each, then none (more than 100: the planner's 100 is near enough)


class SubjectColumn(Expression):
    """A column of the subject row (``s.<name>``) where a rule takes a value: an id, a day, the time."""

    def __init__(self, name: str, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return f"s.{self.name}", []


def _where(queryset, connection) -> tuple[str, list]:
    """The WHERE clause of ``queryset`` (a rule), its columns named by their table."""
    query = queryset.query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, list(params)


def _select(queryset, connection) -> tuple[str, list]:
    sql, params = queryset.query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


# Every branch returns these columns (kind, then what the kind needs; unused ones NULL):
# (the first branch names them and gives their types: PostgreSQL types a NULL the others cannot change)
# kind  | k        | n1        | n2             | n3               | t1…t4                                    | at1, at2
# order | subject  | order id  |                |                  | order number, court, protected name      |
# block | subject  | block id  | its inmate     | system-wide 1/0  | reason                                   |
# lib.  | subject  |           |                |                  |                                          |
# party | subject  | party id  |                |                  | role, name, case number, register number |
# shared| (number) | rank      | inmate         | its facility     | register number, facility code, number   |
# list  |          | size all  | size apart     | inmate           | leave (JSON)                             | last live, last removed


def _build(connection, limit: int | None) -> tuple[str, list]:
    """The statement and its fixed parameters (after the subjects' two) for ``connection``'s vendor, for at
    most ``limit`` subjects (None: any number)."""
    day = SubjectColumn("day", DateField())
    at = SubjectColumn("screened_at", DateTimeField())
    facility = SubjectColumn("facility_id", BigIntegerField())
    inmate = SubjectColumn("inmate_id", BigIntegerField())
    order, protected = NoContactOrder._meta.db_table, ProtectedNumber._meta.db_table
    block, library = BlockedNumber._meta.db_table, LibraryNumber._meta.db_table
    party, party_number, case = CaseParty._meta.db_table, PartyNumber._meta.db_table, CourtCase._meta.db_table
    entry, inmates, facilities = PhoneListEntry._meta.db_table, Inmate._meta.db_table, Facility._meta.db_table

    in_force, in_force_params = _where(NoContactOrder.objects.filter(in_force_q(day)), connection)
    blocks, blocks_params = _where(BlockedNumber.objects.active(at).applying_to(facility, inmate_ids=[inmate]),
                                   connection)
    in_library, library_params = _where(LibraryNumber.objects.open().applying_to(facility), connection)
    shared_in = ", ".join(["%s"] * len(SHARED_STATUSES))
    lists, lists_params = _select(
        PhoneListEntry.objects.filter(inmate_id__in=RawSQL(f"SELECT inmate_id FROM {SUBJECTS} WHERE lists", ()))
        .exclude(pk__in=RawSQL(f"SELECT exclude_id FROM {SUBJECTS} WHERE exclude_id IS NOT NULL", ()))
        .values("inmate_id").order_by()
        .annotate(
            size_all=Count("id", filter=list_counted_q(legal_apart=False)),
            size_apart=Count("id", filter=list_counted_q(legal_apart=True)),
            # A number-changed replacement is no change for the interval's clock.
            last_live=Max("went_live_at", filter=Q(replaces__isnull=True)),
            last_removed=Max("status_changed_at", filter=Q(status=PhoneListEntry.Status.REMOVED,
                                                           replaced_by__isnull=True)),
            leave=leave_row(OuterRef("inmate_id")),
        ),
        connection,
    )
    subjects = _SUBJECTS_SQL[connection.vendor].format(limit=f" LIMIT {limit:d}" if limit else "")
    sql = f"""WITH {subjects},
{LISTS}(inmate_id, size_all, size_apart, last_live, last_removed, leave) AS ({lists})
SELECT 'order' AS kind, s.k AS k, {order}.id AS n1, CAST(NULL AS bigint) AS n2, CAST(NULL AS bigint) AS n3,
       {order}.order_number AS t1, {order}.court AS t2, {order}.protected_name AS t3, CAST(NULL AS text) AS t4,
       CAST(NULL AS timestamptz) AS at1, CAST(NULL AS timestamptz) AS at2
  FROM {SUBJECTS} s
  JOIN {protected} pn ON pn.number = s.number
  JOIN {order} ON {order}.id = pn.order_id AND {order}.inmate_id = s.inmate_id
 WHERE {in_force}
UNION ALL
SELECT 'block', s.k, {block}.id, {block}.inmate_id, CASE WHEN {block}.system_wide THEN 1 ELSE 0 END,
       {block}.reason, NULL, NULL, NULL, NULL, NULL
  FROM {SUBJECTS} s
  JOIN {block} ON {block}.number = s.number
 WHERE {blocks}
UNION ALL
SELECT 'library', s.k, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM {SUBJECTS} s
  JOIN {library} ON {library}.number = s.number
 WHERE {in_library}
UNION ALL
SELECT 'party', s.k, p.id, NULL, NULL, p.role, p.name, c.case_number, pi.register_number, NULL, NULL
  FROM {SUBJECTS} s
  JOIN {party_number} pn ON pn.number = s.number
  JOIN {party} p ON p.id = pn.party_id AND p.removed_at IS NULL
  JOIN {party} d ON d.case_id = p.case_id AND d.inmate_id = s.inmate_id AND d.role = %s AND d.removed_at IS NULL
  JOIN {case} c ON c.id = p.case_id
  LEFT JOIN {inmates} pi ON pi.id = p.inmate_id
 WHERE p.inmate_id IS NULL OR p.inmate_id <> s.inmate_id
UNION ALL
SELECT 'shared', NULL, x.rn, x.inmate_id, i.facility_id, i.register_number, f.code, x.number, NULL, NULL, NULL
  FROM (SELECT e.number, e.inmate_id,
               ROW_NUMBER() OVER (PARTITION BY e.number ORDER BY e.created_at, e.id) AS rn
          FROM {entry} e
         WHERE e.number IN (SELECT number FROM {SUBJECTS}) AND e.status IN ({shared_in})) x
  JOIN {inmates} i ON i.id = x.inmate_id
  JOIN {facilities} f ON f.id = i.facility_id
 WHERE x.rn <= %s
UNION ALL
SELECT 'list', NULL, l.size_all, l.size_apart, l.inmate_id, CAST(l.leave AS text), NULL, NULL, NULL,
       l.last_live, l.last_removed
  FROM {LISTS} l"""
    params = [*lists_params, *in_force_params, *blocks_params, *library_params, CaseParty.Role.DEFENDANT.value,
              *(str(status) for status in SHARED_STATUSES), SHARED_SHOWN + 1]
    return sql, params


_STATEMENTS: dict[tuple[str, int | None], tuple[str, list]] = {}


def statement(connection=default_connection, subjects: int = 1) -> tuple[str, list]:
    """The screening statement for ``connection`` and for that many subjects, and its fixed parameters
    (``parameters`` puts the time and the subjects' JSON first), built once per vendor and bound."""
    key = (connection.vendor, next((limit for limit in LIMITS if subjects <= limit), None))
    built = _STATEMENTS.get(key)
    if built is None:
        built = _STATEMENTS[key] = _build(connection, key[1])
    return built


# --------------------------------------------------------------------------- reading it


@dataclass
class Facts:
    """What the statement read for one subject."""

    orders: list[tuple] = field(default_factory=list)  # (order id, order number, court, protected name)
    blocks: list[tuple] = field(default_factory=list)  # (block id, its inmate, system-wide, reason)
    parties: list[tuple] = field(default_factory=list)  # (party id, role, name, case number, register)
    in_library: bool = False


@dataclass
class Snapshot:
    """The statement's rows, keyed for the subjects: what the data says before any of them changes."""

    now: dt.datetime
    policies: dict[int, CallingPolicy]
    days: dict[int, dt.date]
    facts: list[Facts]
    shared: dict[str, list[tuple]] = field(default_factory=dict)  # number: [(inmate, register, code, facility)]
    lists: dict[int, dict] = field(default_factory=dict)  # inmate: its list's size, last change and leave


def _not_callable_message(number: str) -> str | None:
    """Why ``number`` cannot be screened (not E.164, or not callable), or None when it can."""
    try:
        if normalize_number(number) == number:
            return None
    except NumberNotCallable as exc:
        return exc.message
    return f"“{number}” is not in E.164 form."


# What screening reads of a policy and its facility (read only these: a third of the query's cost; another
# field read later would cost a query per policy, which the tests' exact query counts would show).
POLICY_FIELDS = ("facility_id", "screen_codefendants", "list_size", "list_change_interval_days",
                 "legal_counted_separately", "facility__timezone")


def _read_policies(facility_ids: list[int], given: Iterable[CallingPolicy]) -> dict[int, CallingPolicy]:
    policies = {p.facility_id: p for p in given if p.facility_id in facility_ids}
    missing = [fid for fid in facility_ids if fid not in policies]
    if missing:
        policies.update({p.facility_id: p for p in CallingPolicy.objects.select_related("facility")
                         .only(*POLICY_FIELDS).filter(facility_id__in=missing)})
    return policies


def _aware(value) -> dt.datetime | None:
    """A timestamp column as PostgreSQL gives it (aware) or SQLite stores it (text, UTC)."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(value)
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


def parameters(subjects: list[Subject], *, days: dict[int, dt.date], now: dt.datetime,
               connection=default_connection) -> list:
    """The statement's parameters for ``subjects`` (k: their position), screened at ``now`` on their
    facilities' local ``days``."""
    rows_in = json.dumps([
        {"k": k, "inmate_id": s.inmate_id, "facility_id": s.facility_id, "number": s.number,
         "day": days[s.facility_id].isoformat(), "lists": s.purpose == "list", "exclude_id": s.exclude_entry_id}
        for k, s in enumerate(subjects)
    ])
    return [connection.ops.adapt_datetimefield_value(now), rows_in, *statement(connection, len(subjects))[1]]


def read_snapshot(subjects: list[Subject], policies: Iterable[CallingPolicy] = ()) -> Snapshot:
    """Run the statement on ``subjects`` (numbers in E.164 form): one query, and one for the policies not given."""
    now = timezone.now()
    policies = _read_policies(sorted({s.facility_id for s in subjects}), policies)
    days = {fid: local_day(p.facility.timezone, now) for fid, p in policies.items()}
    snap = Snapshot(now=now, policies=policies, days=days, facts=[Facts() for _ in subjects])
    connection = default_connection
    sql, _fixed = statement(connection, len(subjects))
    with prepared_cursor(connection.alias) as cursor:
        cursor.execute(sql, parameters(subjects, days=days, now=now, connection=connection))
        rows = cursor.fetchall()
    shared: list[tuple] = []
    for kind, k, n1, n2, n3, t1, t2, t3, t4, at1, at2 in rows:
        if kind == "order":
            snap.facts[k].orders.append((n1, t1, t2, t3))
        elif kind == "block":
            snap.facts[k].blocks.append((n1, n2, bool(n3), t1))
        elif kind == "library":
            snap.facts[k].in_library = True
        elif kind == "party":
            snap.facts[k].parties.append((n1, t1, t2, t3, t4))
        elif kind == "shared":
            shared.append((t3, n1, n2, t1, t2, n3))
        else:
            snap.lists[n3] = {"size_all": n1, "size_apart": n2, "last_live": _aware(at1),
                              "last_removed": _aware(at2), "leave": json.loads(t1) if t1 else None}
    for facts in snap.facts:
        facts.orders.sort()  # oldest order first
        facts.blocks.sort(key=lambda row: -row[0])  # newest block first
        facts.parties.sort()
    for number, _rank, *row in sorted(shared):
        snap.shared.setdefault(number, []).append(tuple(row))
    return snap


def _list_limits(s: Subject, snap: Snapshot, policy: CallingPolicy) -> list[ScreenFinding]:
    """List size and change interval, for a list request: the limits ``limits.effective_list_limits`` gives
    (the policy's, or a warden's leave in force). An inmate with no entry has no limit to reach."""
    stats = snap.lists.get(s.inmate_id, {})
    limits = effective_list_limits(policy=policy, leave=LeaveFacts.of(stats.get("leave")),
                                   day=snap.days[s.facility_id])
    size = stats.get("size_apart" if policy.legal_counted_separately else "size_all", 0)
    out = []
    counts_here = not (s.legal and policy.legal_counted_separately)
    if counts_here and size >= limits.list_size:
        out.append(list_full_finding(size, limits.list_size,
                                     raised_until=limits.leave.ends_on if limits.size_raised else None))
    last_change = max((d for d in (stats.get("last_live"), stats.get("last_removed")) if d is not None),
                      default=None)
    interval = limits.change_interval_days
    if not s.legal and not s.number_changed and interval and last_change is not None:
        next_change = last_change + dt.timedelta(days=interval)
        if next_change > snap.now:
            out.append(change_too_soon_finding(last_change, next_change, interval))
    return out


def _distinct(rows: Iterable[tuple]) -> list[tuple]:
    """Rows in order, each once (two orders or parties may read the same)."""
    return list(dict.fromkeys(rows))


def findings_for(s: Subject, facts: Facts, snap: Snapshot, shown: str) -> list[ScreenFinding]:
    """Every finding for one subject from its facts, blocks first (``shown``: its number as people read it)."""
    policy = snap.policies[s.facility_id]
    findings = [order_finding(*order) for order in _distinct(row[1:] for row in facts.orders)]
    findings += [block_finding(pk, system_wide, reason, shown, one_inmate=inmate_id is not None)
                 for pk, inmate_id, system_wide, reason in facts.blocks]
    findings += [f for f in (party_finding(*party, shown, policy)
                             for party in _distinct(row[1:] for row in facts.parties)) if f is not None]
    others = [(reg, code, fid) for inmate_id, reg, code, fid in snap.shared.get(s.number, ())
              if inmate_id != s.inmate_id]
    shared = None if facts.in_library else shared_finding(others[:SHARED_SHOWN], shown,
                                                          s.readers_facility_id or s.facility_id)
    if shared is not None:
        findings.append(shared)
    if s.purpose == "list":
        findings += _list_limits(s, snap, policy)
    return by_severity(findings)


def evaluate(subjects: Iterable[Subject], *,
             policies: Iterable[CallingPolicy] = ()) -> dict[Hashable, list[ScreenFinding]]:
    """{subject key: its findings, blocks first}. A number that is not callable (or not E.164) has that one
    finding and is not looked up. ``policies``: calling policies (with their facility) already held."""
    out: dict[Hashable, list[ScreenFinding]] = {}
    screened: list[Subject] = []
    problems: dict[str, str | None] = {}  # each number parsed once (many entries may carry one number)
    for s in subjects:
        if s.number not in problems:
            problems[s.number] = _not_callable_message(s.number)
        if problems[s.number] is not None:
            out[s.key] = [not_callable_finding(s.number, problems[s.number])]
        else:
            screened.append(s)
    if screened:
        snap = read_snapshot(screened, policies)
        shown = {number: display_number(number) for number, problem in problems.items() if problem is None}
        for s, facts in zip(screened, snap.facts, strict=True):
            out[s.key] = findings_for(s, facts, snap, shown[s.number])
    return out
