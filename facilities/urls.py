from django.contrib.auth import views as auth_views
from django.urls import path

from . import login_views, views, worklist_views

urlpatterns = [
    path("", worklist_views.home, name="home"),
    path("login/", login_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("f/<slug:code>/", views.dashboard, name="facility-dashboard"),
    path("f/<slug:code>/policy/", views.policy, name="facility-policy"),
    path("f/<slug:code>/inmates/", views.inmate_list, name="inmate-list"),
    path("f/<slug:code>/inmates/<int:pk>/", views.inmate_detail, name="inmate-detail"),
]
