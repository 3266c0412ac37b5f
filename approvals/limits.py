"""List limits with a warden's leave (domain.md §9): THE one place that computes an inmate's list size and
change interval (``effective_list_limits``). Screening (``screening.engine``) and the inmate page ask it;
``selectors.list_counted_q`` says which entries count against the size. Reads only: writes are
``services.leaves``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Subquery
from django.db.models.functions import JSONObject

from facilities.scoping import scope_for_user
from facilities.times import local_day

from .models import ListLeave

# A leave may raise the list to at most this many numbers, and last at most this many days.
LEAVE_MAX_LIST_SIZE = 500
LEAVE_MAX_DAYS = 366


@dataclass(frozen=True)
class LeaveFacts:
    """An inmate's open leave, as far as the limits are concerned."""

    pk: int
    list_size: int | None
    waive_interval: bool
    waiver_used: bool
    ends_on: dt.date

    @classmethod
    def of(cls, leave: ListLeave | dict | None) -> LeaveFacts | None:
        """From a ``ListLeave``, or from the JSON value ``leave_row`` reads; None stays None."""
        if not leave:
            return None
        if isinstance(leave, dict):
            ends_on = leave["ends_on"]
            if not isinstance(ends_on, dt.date):
                ends_on = dt.date.fromisoformat(str(ends_on)[:10])
            return cls(pk=leave["pk"], list_size=leave["list_size"], waive_interval=bool(leave["waive_interval"]),
                       waiver_used=leave["waiver_used_at"] is not None, ends_on=ends_on)
        return cls(pk=leave.pk, list_size=leave.list_size, waive_interval=leave.waive_interval,
                   waiver_used=leave.waiver_used_at is not None, ends_on=leave.ends_on)


@dataclass(frozen=True)
class ListLimits:
    """An inmate's list limits on one day: the policy's, or as a warden's leave in force changes them."""

    list_size: int
    change_interval_days: int  # 0: no interval
    leave: LeaveFacts | None  # the leave in force, if any
    size_raised: bool  # the leave raises the size above the policy's
    interval_waived: bool  # the leave's one change inside the interval is still to be used


def effective_list_limits(*, policy, leave: LeaveFacts | None, day: dt.date) -> ListLimits:
    """An inmate's list limits on ``day`` (the facility's local day): the policy's list size and change
    interval; while a leave is in force (up to and including its ``ends_on``), the larger of the policy's size
    and the leave's, and no change interval as long as its one waived change is unused."""
    if leave is None or leave.ends_on < day:
        return ListLimits(policy.list_size, policy.list_change_interval_days, None, False, False)
    size = max(policy.list_size, leave.list_size or 0)
    waived = leave.waive_interval and not leave.waiver_used
    return ListLimits(list_size=size, change_interval_days=0 if waived else policy.list_change_interval_days,
                      leave=leave, size_raised=size > policy.list_size, interval_waived=waived)


OPEN = Q(ended_at__isnull=True)  # an open leave: not ended by a warden (it may be past its last day)
# A leave applies while the inmate is held at the facility whose warden granted it (another facility's warden
# decides after a transfer).
APPLIES = OPEN & Q(facility_id=F("inmate__facility_id"))


def leave_row(inmate_ref) -> Subquery:
    """The inmate's open leave (a new grant ends the one before, so there is at most one) as one JSON value
    for ``LeaveFacts.of``, inside a query on the inmate's rows (``inmate_ref``: an ``OuterRef``)."""
    return Subquery(
        ListLeave.objects.filter(APPLIES, inmate_id=inmate_ref).order_by("-granted_at", "-id")
        .values(row=JSONObject(pk="pk", list_size="list_size", waive_interval="waive_interval",
                               waiver_used_at="waiver_used_at", ends_on="ends_on"))[:1]
    )


def open_leave(*, inmate) -> ListLeave | None:
    """The inmate's open leave, with who granted it (one query)."""
    return (ListLeave.objects.filter(APPLIES, inmate_id=inmate.pk).select_related("granted_by")
            .order_by("-granted_at", "-id").first())


def list_limits_for(*, inmate, policy, leave: ListLeave | None = None) -> ListLimits:
    """The inmate's limits today at the inmate's facility (``policy``: its calling policy, with its facility).
    One query for the open leave unless ``leave`` (from ``open_leave``) is given."""
    leave = leave if leave is not None else open_leave(inmate=inmate)
    return effective_list_limits(policy=policy, leave=LeaveFacts.of(leave), day=local_day(policy.facility))


def leaves_of(*, inmate) -> QuerySet[ListLeave]:
    """Every leave the inmate was granted, newest first."""
    return ListLeave.objects.filter(inmate_id=inmate.pk).select_related("granted_by", "ended_by", "waiver_used_by")


def leaves_for(*, user, facility, in_force_on: dt.date | None = None) -> QuerySet[ListLeave]:
    """The leaves granted at ``facility`` (to its inmates, scoped to the user's facilities); with
    ``in_force_on``, only those open and not past their last day then."""
    qs = scope_for_user(ListLeave.objects.filter(facility=facility), user)
    if in_force_on is not None:
        qs = qs.filter(OPEN, ends_on__gte=in_force_on)
    return qs.select_related("inmate", "granted_by").order_by("ended_at", "-ends_on", "-id")
