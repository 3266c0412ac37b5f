from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .models import PlatformClient, hash_token


class PlatformTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <token>``; the token is looked up by its SHA-256 hash."""

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
        client = (
            PlatformClient.objects.filter(token_hash=hash_token(token), active=True)
            .prefetch_related("facilities")
            .first()
        )
        if client is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked token.")
        now = timezone.now()
        if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 300:
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
