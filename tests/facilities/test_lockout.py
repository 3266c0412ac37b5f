"""Log-in lockout and slow-down (django-axes + facilities.login_security), as deployed behind the TLS proxy.

Before: axes locked a user name *or* an address after five failures, and behind the proxy every request came
from the proxy's address: five bad log-ins from anywhere locked the whole portal, and five guesses at a
warden's name locked the warden everywhere.
"""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from facilities.login_security import client_ip

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the TLS proxy: every request reaches gunicorn from this address
START = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def behind_proxy(settings):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1


def _post(username: str, password: str, client_address: str | None = None, *, spoofed: str = "", path=None):
    """One log-in attempt with a fresh browser; through the proxy when ``client_address`` is given."""
    headers = {"REMOTE_ADDR": PROXY}
    if client_address:
        # The proxy appends the address it got the connection from to whatever the client sent.
        headers["HTTP_X_FORWARDED_FOR"] = f"{spoofed}, {client_address}" if spoofed else client_address
    return Client().post(path or reverse("login"), {"username": username, "password": password}, **headers)


def _logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("home")


def _locked(response) -> bool:
    return response.status_code == 429 and b"Account locked" in response.content


def test_the_limit_is_five_on_the_user_name_and_address_together(settings, client):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    page = client.get(reverse("login")).content.decode()
    assert "After 5 failed attempts from one place the account is locked there for an hour." in page


def test_five_failures_lock_that_user_name_at_that_address_only(warden, behind_proxy):
    for _ in range(5):
        assert not _logged_in(_post("warden", "wrong", "198.51.100.7"))
    locked = _post("warden", PASSWORD, "198.51.100.7")
    assert _locked(locked) and "locked here for an hour" in locked.content.decode()
    # The warden at their desk, behind the same proxy, logs in.
    assert _logged_in(_post("warden", PASSWORD, "203.0.113.20"))
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"
    lockouts = AuditEvent.objects.filter(action="lockout")
    assert {(e.ip_address, e.data["username"]) for e in lockouts} == {("198.51.100.7", "warden")}


def test_five_failures_for_five_user_names_from_one_address_do_not_lock_a_sixth_user(staff, warden):
    for name in ("alice", "bob", "carol", "dave", "warden"):
        _post(name, "wrong")
    assert _logged_in(_post("staff", PASSWORD))
    # Nor the proxy's address: with no proxy configured the connection's address is the client.
    assert _logged_in(_post("warden", PASSWORD))


def test_failures_from_many_clients_behind_the_proxy_lock_nobody_else(staff, warden, behind_proxy):
    # (Ten failures for one name: the threshold of the slow-down below, which is tested on its own.)
    for n in range(10):
        _post("staff", "wrong", f"198.51.100.{n + 1}")
    for name in ("alice", "bob", "warden"):
        for _ in range(5):
            _post(name, "wrong", "198.51.100.200")
    assert _logged_in(_post("warden", PASSWORD, "203.0.113.20"))
    assert _logged_in(_post("staff", PASSWORD, "203.0.113.21"))
    assert {a.ip_address for a in AccessAttempt.objects.all()} == {f"198.51.100.{n + 1}" for n in range(10)} | {
        "198.51.100.200"
    }


def test_a_spoofed_forwarded_for_entry_does_not_change_the_address(warden, behind_proxy):
    # The attacker at 198.51.100.7 writes a different X-Forwarded-For each time; the proxy appends the truth.
    for n in range(5):
        _post("warden", "wrong", "198.51.100.7", spoofed=f"192.0.2.{n + 1}")
    assert _locked(_post("warden", PASSWORD, "198.51.100.7", spoofed="192.0.2.99"))
    assert AccessAttempt.objects.get().ip_address == "198.51.100.7"
    assert set(AuditEvent.objects.filter(action="login_failed").values_list("ip_address", flat=True)) == {
        "198.51.100.7"
    }


@pytest.mark.parametrize("count, forwarded, expected", [
    (0, "192.0.2.1, 198.51.100.7", PROXY),  # no proxy trusted: the header is the client's own words
    (1, "198.51.100.7", "198.51.100.7"),
    (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),
    (1, "192.0.2.1 ,  198.51.100.7 ", "198.51.100.7"),
    (2, "192.0.2.1, 198.51.100.7, 10.0.0.3", "198.51.100.7"),  # two proxies: the outer one wrote 198.51.100.7
    (2, "198.51.100.7", PROXY),  # fewer entries than proxies: only the connection is trusted
    (1, "", PROXY),  # straight to gunicorn, no header
    (1, "not-an-address", PROXY),
    (1, "192.0.2.1, 2001:db8::7", "2001:db8::7"),
])
def test_client_ip_takes_the_entry_the_outermost_trusted_proxy_wrote(settings, count, forwarded, expected):
    settings.PORTAL_TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_the_header_is_configurable(settings):
    settings.PORTAL_TRUSTED_PROXY_COUNT = 1
    settings.PORTAL_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP="198.51.100.9",
                                   HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert client_ip(request) == "198.51.100.9"


def test_production_trusts_one_proxy_by_default():
    from tests.test_settings_declared import _production_value

    result = _production_value("PORTAL_TRUSTED_PROXY_COUNT")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "1"


class TestOneUserNameGuessedFromManyAddresses:
    """LOGIN_THROTTLE_AFTER failures (all addresses) start a doubling wait between attempts for the name."""

    @pytest.fixture(autouse=True)
    def _clock(self, time_machine, settings, behind_proxy):
        time_machine.move_to(START, tick=False)
        self.clock = time_machine
        assert settings.LOGIN_THROTTLE_AFTER == 10 and settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS == 60

    def _guess(self, n: int):
        return _post("warden", f"guess-{n}", f"198.51.100.{n % 250 + 1}")

    def test_guessing_is_slowed_down_and_the_owner_is_not_locked_out(self, warden):
        assert _logged_in(_post("warden", PASSWORD, "203.0.113.20"))  # the warden's desk, yesterday
        for n in range(10):
            assert self._guess(n).status_code == 200  # the usual "wrong user name or password"
        # The 11th failure makes the next attempt wait a second: refused before the password is checked.
        assert self._guess(10).status_code == 200
        refused = self._guess(11)
        assert refused.status_code == 429 and refused["Retry-After"] == "1"
        assert "try again in 1 second(s)" in refused.content.decode()
        assert AccessAttempt.objects.filter(ip_address="198.51.100.12").count() == 0  # not counted as a failure
        event = AuditEvent.objects.get(action="login_throttled")
        assert event.ip_address == "198.51.100.12" and event.data == {"username": "warden", "wait_seconds": 1}
        # Even the right password, from an address the warden never used, waits.
        assert _post("warden", PASSWORD, "203.0.113.99").status_code == 429
        # The warden at their usual desk logs in at once.
        assert _logged_in(_post("warden", PASSWORD, "203.0.113.20"))

        # Each further failure doubles the wait, up to a minute.
        waits = []
        for n in range(12, 22):
            self.clock.shift(dt.timedelta(seconds=61))
            assert self._guess(n).status_code == 200
            response = self._guess(n + 100)
            assert response.status_code == 429
            waits.append(int(response["Retry-After"]))
        assert waits == [2, 4, 8, 16, 32, 60, 60, 60, 60, 60]
        # The attacker got one guess a minute; no address was locked, the owner never was.
        assert not AccessAttempt.objects.filter(failures_since_start__gte=5).exists()
        # From a new place the owner waits at most a minute, then logs in.
        assert _post("warden", PASSWORD, "203.0.113.50").status_code == 429
        self.clock.shift(dt.timedelta(seconds=60))
        assert _logged_in(_post("warden", PASSWORD, "203.0.113.50"))

    def test_nothing_is_slowed_down_below_the_threshold_or_after_a_quiet_window(self, warden):
        for n in range(10):
            self._guess(n)
        assert _logged_in(_post("warden", PASSWORD, "203.0.113.99"))
        self._guess(10)
        assert _post("warden", PASSWORD, "203.0.113.98").status_code == 429
        self.clock.shift(dt.timedelta(minutes=16))
        # Fifteen quiet minutes: the count starts again.
        for n in range(20, 30):
            self._guess(n)
        assert _logged_in(_post("warden", PASSWORD, "203.0.113.98"))

    def test_other_user_names_are_not_slowed_down(self, warden, staff):
        for n in range(15):
            self._guess(n)
        assert _logged_in(_post("staff", PASSWORD, "198.51.100.3"))

    def test_the_admin_log_in_is_slowed_down_too(self, warden):
        for n in range(11):
            self._guess(n)
        response = _post("warden", PASSWORD, "203.0.113.99", path="/admin/login/")
        assert "try again in 1 second(s)" in response.content.decode()
        assert "_auth_user_id" not in response.client.session



def test_an_unreachable_cache_skips_the_slow_down_and_log_in_still_works(warden, settings, behind_proxy):
    import socket
    from unittest import mock

    from facilities import login_security

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    with mock.patch.object(login_security.log, "exception") as logged:
        for n in range(12):
            assert _post("warden", f"guess-{n}", f"198.51.100.{n + 1}").status_code == 200
        assert _logged_in(_post("warden", PASSWORD, "203.0.113.20"))
    assert logged.call_args.args == ("Log-in slow-down skipped: the cache is not reachable.",)
    # axes (in the database) still locks the name at one address.
    for _ in range(5):
        _post("warden", "wrong", "198.51.100.99")
    assert _locked(_post("warden", PASSWORD, "198.51.100.99"))
