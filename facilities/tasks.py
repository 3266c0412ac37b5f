from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="facilities.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete sessions past their expiry (idle sessions end after 30 minutes). Returns how many."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
