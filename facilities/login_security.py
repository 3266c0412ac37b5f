"""Log-in defences around django-axes: who the client is behind the proxy, and a per-user-name slow-down.

- ``client_ip``: the address of the client, as the trusted proxies saw it (axes' AXES_CLIENT_IP_CALLABLE, and
  the address the audit trail records for log-ins). Behind ``PORTAL_TRUSTED_PROXY_COUNT`` proxies, each of which
  appends the address it received the connection from to ``X-Forwarded-For``, the client is the entry that the
  outermost trusted proxy appended: the N-th from the right. Entries further left were written by the client
  and are ignored (anyone can send ``X-Forwarded-For: 1.2.3.4``).
- axes locks a user name *at one address* after AXES_FAILURE_LIMIT failures (config/settings/base.py). That
  leaves guessing one user name from many addresses; the throttle below slows that down without locking the
  owner out: once a user name has failed ``LOGIN_THROTTLE_AFTER`` times (all addresses together, failures
  less than ``LOGIN_THROTTLE_WINDOW_SECONDS`` apart), every further failure makes the next attempt for that user
  name wait (1 s, 2 s, 4 s, ... up to ``LOGIN_THROTTLE_MAX_DELAY_SECONDS``). An attempt made while it must wait is
  refused before the password is checked and is not counted as a failure anywhere. Addresses the user logged in
  from successfully in the last ``LOGIN_KNOWN_ADDRESS_DAYS`` days are not slowed down: the owner at their usual
  desk logs in as always, elsewhere waits at most a minute per attempt.

The counters live in Django's cache (``default``): Redis in production, so that every web process shares them.
When the cache cannot be reached the slow-down is skipped (and logged): staff can still log in, and axes' lockout,
kept in the database, still holds.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

from audit.services import audit_record

log = logging.getLogger(__name__)


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR with no trusted proxy, else the one the outermost trusted proxy saw."""
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    count = settings.PORTAL_TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get(settings.PORTAL_CLIENT_IP_HEADER, "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        # Fewer hops than proxies: the request did not come the configured way; trust only the connection.
        return remote
    return _valid_ip(forwarded[-count]) or remote


def _key(kind: str, username: str, ip: str | None = None) -> str:
    digest = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"login:{kind}:{digest}" + (f":{ip}" if ip else "")


def _cache_optional(default):
    """The cache is a defence in depth: when it fails, log it and carry on as if it held nothing."""

    def wrap(func):
        @functools.wraps(func)
        def inner(**kwargs):
            try:
                return func(**kwargs)
            except Exception:  # any cache backend's connection error
                log.exception("Log-in slow-down skipped: the cache is not reachable.")
                return default

        return inner

    return wrap


@_cache_optional(False)
def is_known_address(*, username: str, ip: str | None) -> bool:
    return bool(ip) and cache.get(_key("known", username, ip)) is not None


@_cache_optional(0)
def seconds_to_wait(*, username: str, ip: str | None) -> int:
    """How long this attempt must wait before the password is checked; 0 if it may go ahead now."""
    if not username or is_known_address(username=username, ip=ip):
        return 0
    until = cache.get(_key("until", username))
    if until is None:
        return 0
    return max(0, math.ceil(until - time.time()))


@_cache_optional(None)
def record_failure(*, username: str) -> None:
    """Count a failed log-in for this user name (any address); past the threshold, delay the next attempt."""
    window = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    key = _key("failures", username)
    cache.add(key, 0, timeout=window)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        failures = 1
    cache.touch(key, timeout=window)
    beyond = failures - settings.LOGIN_THROTTLE_AFTER
    if beyond > 0:
        delay = min(2 ** min(beyond - 1, 30), settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS)
        cache.set(_key("until", username), time.time() + delay, timeout=delay + 1)


@_cache_optional(None)
def record_success(*, username: str, ip: str | None) -> None:
    """Remember the address the user logged in from: it is not slowed down for this user name."""
    if ip:
        cache.set(_key("known", username, ip), 1, timeout=settings.LOGIN_KNOWN_ADDRESS_DAYS * 24 * 3600)


def clear_failures(*, request, username: str) -> None:
    """The whole sign-in succeeded (password, and the second factor when the user needs it): django-axes forgets
    the user name's failures at this address. (AXES_RESET_ON_SUCCESS is off: a password alone must not clear
    the wrong codes given after earlier passwords.)"""
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.get_implementation().reset_user_attempts(request, {"username": username})


def refuse(*, request, username: str, wait: int) -> None:
    """Audit an attempt refused by the throttle (its password was not checked)."""
    audit_record(
        action="login_throttled", actor=f"anonymous ({username})"[:150],
        data={"username": username, "wait_seconds": wait}, ip_address=client_ip(request),
    )


@receiver(user_login_failed, dispatch_uid="login-throttle-failure")
def _on_failure(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username") or ""
    if username:
        record_failure(username=username)


@receiver(user_logged_in, dispatch_uid="login-throttle-success")
def _on_success(sender, request, user, **kwargs):
    record_success(username=user.get_username(), ip=client_ip(request))
