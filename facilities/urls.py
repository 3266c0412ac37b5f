from django.contrib.auth import views as auth_views
from django.urls import path

from . import login_views, session_views, two_factor_views, views, worklist_views

urlpatterns = [
    path("", worklist_views.home, name="home"),
    path("login/", login_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/keepalive/", session_views.keepalive, name="session-keepalive"),
    path("two-factor/", two_factor_views.verify, name="two-factor-verify"),
    path("two-factor/enrol/", two_factor_views.enrol, name="two-factor-enrol"),
    path("two-factor/enrol/qr.svg", two_factor_views.enrol_qr, name="two-factor-qr"),
    path("two-factor/recovery-codes/", two_factor_views.recovery_codes, name="two-factor-recovery-codes"),
    path("two-factor/recovery-codes/new/", two_factor_views.recovery_codes_new, name="two-factor-recovery-codes-new"),
    path("f/<slug:code>/", views.dashboard, name="facility-dashboard"),
    path("f/<slug:code>/policy/", views.policy, name="facility-policy"),
    path("f/<slug:code>/inmates/", views.inmate_list, name="inmate-list"),
    path("f/<slug:code>/inmates/<int:pk>/", views.inmate_detail, name="inmate-detail"),
]
