"""The portal's own Prometheus figures that code increments as things happen (prometheus-client).

Defined here, at the bottom layer, so that the apps that do the work (the call decision in calls/services.py, the
monthly reset in calls/reset.py, failed tasks in operations/) count without importing upward; figures computed when
Prometheus asks (review queues, open emergencies) are collected by ``operations.metrics``, which serves /metrics.

Counting adds no SQL statement: these are in-memory counters of the process (with ``PROMETHEUS_MULTIPROC_DIR``,
files in that folder that every worker process of one machine shares: README, Production). Label values are codes
only: an outcome, a reason code, a call kind, a facility's code, a task's name; never a telephone number or a name.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

CALL_DECISIONS = Counter(
    "portal_call_decisions", "Call decisions recorded, by outcome (allowed, denied) and kind of call.",
    ["outcome", "kind"],
)
CALL_DECISION_REASONS = Counter(
    "portal_call_decision_reasons", "Reasons given with call decisions (a denied call may have several).",
    ["outcome", "reason"],
)
CALL_DECISION_SECONDS = Histogram(
    "portal_call_decision_seconds", "Time to decide and record one call (the platform's authorize request).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
RESET_RUNS = Counter(
    "portal_reset_runs", "Monthly reset runs by facility and how they ended (done, or already done by another run).",
    ["facility", "outcome"],
)
RESET_SECONDS = Histogram(
    "portal_reset_duration_seconds", "How long a facility's monthly reset run took.", ["facility"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800),
)
TASK_FAILURES = Counter("portal_task_failures", "Celery tasks that raised, by task name.", ["task"])


def call_decision_counted(*, allowed: bool, kind: str, reasons, seconds: float) -> None:
    """One call decision: its outcome, kind and reasons, and how long it took."""
    outcome = "allowed" if allowed else "denied"
    CALL_DECISIONS.labels(outcome=outcome, kind=kind).inc()
    for reason in reasons:
        CALL_DECISION_REASONS.labels(outcome=outcome, reason=reason).inc()
    CALL_DECISION_SECONDS.observe(seconds)
