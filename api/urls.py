from django.urls import path

from . import views

urlpatterns = [
    path("roster/book", views.BookView.as_view(), name="api-roster-book"),
    path("roster/transfer", views.TransferView.as_view(), name="api-roster-transfer"),
    path("roster/release", views.ReleaseView.as_view(), name="api-roster-release"),
]
