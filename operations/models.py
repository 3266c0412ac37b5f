"""What the health check needs to know about work done in other processes."""

from django.db import models


class Heartbeat(models.Model):
    """The last time a periodic job finished (one row per job, updated in place): the Celery worker writes it when
    beat's dispatcher of the monthly reset has run, so /health/ can tell that beat, the broker and a worker work."""

    name = models.CharField(max_length=100, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
