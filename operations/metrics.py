"""/metrics for Prometheus (prometheus-client and django-prometheus), answered only to the monitoring network.

``PORTAL_METRICS_NETWORKS`` lists the networks (CIDR) allowed to read it; the client's address is the one the log-in
defences use (``facilities.login_security.client_ip``: the connection's address, or behind
``PORTAL_TRUSTED_PROXY_COUNT`` proxies the one the outermost proxy saw). Anyone else gets a plain 404, as if there
were nothing here.

The answer holds: django-prometheus's request, response and exception figures (its middleware); the figures the
portal counts as things happen (core/metrics.py: call decisions by outcome, kind and reason, decision latency, reset
runs and durations, task failures); and figures computed now, one query each (operations/selectors.py): the review
queue's size and oldest entry's age per facility, open emergency requests per facility. Label values are codes
(a facility's code, a reason code), never a name or a telephone number.

Several gunicorn workers: each process counts on its own; with ``PROMETHEUS_MULTIPROC_DIR`` (an environment variable
read by prometheus-client, a folder shared by the processes of one machine, emptied at each start) the answer sums
every process of the machine (README, Production).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import Http404, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from facilities.login_security import client_ip

from . import selectors


class PortalFigures:
    """The figures computed when Prometheus asks: a constant number of queries, whatever the number of facilities."""

    def collect(self):
        queue = GaugeMetricFamily("portal_review_queue_size", "Phone-list entries waiting for review, per facility.",
                                  labels=["facility"])
        oldest = GaugeMetricFamily("portal_review_queue_oldest_seconds",
                                   "Age of the oldest phone-list entry waiting for review, per facility (0: none).",
                                   labels=["facility"])
        for figure in selectors.review_queue_figures():
            queue.add_metric([figure.facility], figure.size)
            oldest.add_metric([figure.facility], figure.oldest_seconds)
        emergencies = GaugeMetricFamily("portal_open_emergencies",
                                        "Emergency call requests waiting for a warden's decision, per facility.",
                                        labels=["facility"])
        for facility, count in selectors.open_emergency_figures().items():
            emergencies.add_metric([facility], count)
        return [queue, oldest, emergencies]


def allowed(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.PORTAL_METRICS_NETWORKS)


def metrics_view(request):
    if not allowed(client_ip(request)):
        raise Http404
    if settings.PROMETHEUS_MULTIPROC_DIR:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    now = CollectorRegistry(auto_describe=False)
    now.register(PortalFigures())
    return HttpResponse(generate_latest(counted) + generate_latest(now), content_type=CONTENT_TYPE_LATEST)
