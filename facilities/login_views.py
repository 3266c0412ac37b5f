"""The log-in page and the admin's log-in form, with the per-user-name slow-down (facilities.login_security).

django-axes still decides lockouts (one user name at one address); this only refuses, before the password is
checked, an attempt for a user name that is being guessed from many addresses and must wait.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm

from . import login_security


class ThrottledLoginMixin:
    throttled_seconds = 0

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            wait = login_security.seconds_to_wait(username=username, ip=login_security.client_ip(self.request))
            if wait:
                self.throttled_seconds = wait
                login_security.refuse(request=self.request, username=username, wait=wait)
                raise forms.ValidationError(
                    "Too many failed log-ins for this user name from other places. Your password was not checked: "
                    "try again in %(seconds)s second(s).",
                    code="throttled", params={"seconds": wait},
                )
        return super().clean()


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled_seconds:
            response.status_code = 429
            response["Retry-After"] = str(form.throttled_seconds)
        return response
