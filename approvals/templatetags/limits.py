"""The inmate list's "Phone list" cell: an inmate's list size under the one rule (``limits.effective_list_limits``),
with the warden's leave the list's query carried on the row (``list_leave``, from ``limits.leave_row``)."""

from django import template

from approvals.limits import LeaveFacts, effective_list_limits

register = template.Library()


@register.filter
def list_size_of(inmate, column) -> int:
    """``inmate``: a row of the inmate list; ``column``: the column's context (the policy and the local day)."""
    leave = LeaveFacts.of(getattr(inmate, "list_leave", None))
    return effective_list_limits(policy=column["policy"], leave=leave, day=column["today"]).list_size
