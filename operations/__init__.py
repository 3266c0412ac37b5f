"""Running the portal: /health/ for load balancers, /metrics for Prometheus, one JSON log line per request and per
Celery task (docs/operations.md). The top layer: it reads every app and nothing imports it."""
