from django.contrib.auth.models import AnonymousUser
from django.db import connection, connections
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from core.db import prepared_cursor
from facilities.models import Facility

from .models import PlatformClient, hash_token

LAST_USED_EVERY = 300  # seconds: last_used_at is written at most this often


class _ClientStatement:
    """The one statement that authenticates a token: the active client whose token hash matches, joined with
    its facilities (one row per facility; the client's columns repeated). Written once from the models'
    metadata (no ORM compile per request), portable (plain joins), for ``PlatformClient.from_db`` and
    ``Facility.from_db``."""

    def __init__(self):
        through = PlatformClient.facilities.through._meta
        m2m = PlatformClient._meta.get_field("facilities")
        self.client_fields = [f.attname for f in PlatformClient._meta.concrete_fields]
        self.facility_fields = [f.attname for f in Facility._meta.concrete_fields]
        q = connection.ops.quote_name
        client_cols = [f"c.{q(f.column)}" for f in PlatformClient._meta.concrete_fields]
        facility_cols = [f"f.{q(f.column)}" for f in Facility._meta.concrete_fields]
        self.sql = (
            f"SELECT {', '.join(client_cols + facility_cols)} FROM {q(PlatformClient._meta.db_table)} c "
            f"LEFT JOIN {q(through.db_table)} cf ON cf.{q(m2m.m2m_column_name())} = c.{q('id')} "
            f"LEFT JOIN {q(Facility._meta.db_table)} f ON f.{q('id')} = cf.{q(m2m.m2m_reverse_name())} "
            f"WHERE c.{q('token_hash')} = %s AND c.{q('active')}"
        )
        # Django's converters of each column (as the ORM applies them: SQLite's dates, for one), per database.
        self.converters: dict[str, list] = {}

    def _converters(self, using: str) -> list:
        found = self.converters.get(using)
        if found is None:
            connection = connections[using]
            found = []
            columns = [f.get_col(PlatformClient._meta.db_table) for f in PlatformClient._meta.concrete_fields]
            columns += [f.get_col(Facility._meta.db_table) for f in Facility._meta.concrete_fields]
            for i, col in enumerate(columns):
                convs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                if convs:
                    found.append((i, convs, col))
            self.converters[using] = found
        return found

    def client(self, token_hash: str, using: str) -> PlatformClient | None:
        connection = connections[using]
        with prepared_cursor(using) as cursor:  # PostgreSQL: parsed and planned once per connection
            cursor.execute(self.sql, [token_hash])
            rows = cursor.fetchall()
        if not rows:
            return None
        converters = self._converters(using)
        if converters:
            converted = []
            for row in rows:
                row = list(row)
                for i, convs, col in converters:
                    if row[i] is not None:
                        for convert in convs:
                            row[i] = convert(row[i], col, connection)
                converted.append(row)
            rows = converted
        n = len(self.client_fields)
        client = PlatformClient.from_db(using, self.client_fields, rows[0][:n])
        facilities = [Facility.from_db(using, self.facility_fields, row[n:]) for row in rows if row[n] is not None]
        # What prefetch_related("facilities") would leave: client.facilities.all() reads it, no query.
        cached = client.facilities.all()
        cached._result_cache, cached._prefetch_done = facilities, True
        client._prefetched_objects_cache = {"facilities": cached}
        return client


_statement: _ClientStatement | None = None


def client_for_token(token: str) -> PlatformClient | None:
    """The active client holding ``token``, its facilities loaded with it: ONE statement."""
    global _statement
    if _statement is None:
        _statement = _ClientStatement()
    return _statement.client(hash_token(token), "default")


class PlatformTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <token>``; the token is looked up by its SHA-256 hash, with the client's facilities
    in the same statement. No cache: a revoked token (``active`` false, or a new token) is refused at the next
    request."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Token <token>'.")
        try:
            token = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("The token contains invalid characters.") from None
        client = client_for_token(token)
        if client is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > LAST_USED_EVERY:
            PlatformClient.objects.filter(pk=client.pk).update(last_used_at=now)
        # request.user stays anonymous (a client is no staff user); request.auth is the client.
        return AnonymousUser(), client

    def authenticate_header(self, request):
        return self.keyword


class PlatformTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.PlatformTokenAuthentication"
    name = "PlatformToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <token>`, as printed by `manage.py create_platform_client`.",
        }
