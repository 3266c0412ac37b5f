"""Staff pages of the emergencies app, mounted at the site root by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("emergencies/", views.emergency_queue_all, name="emergency-queue-all"),
    path("f/<slug:code>/emergencies/", views.emergency_list, name="emergency-list"),
    path("f/<slug:code>/emergencies/new/", views.emergency_new, name="emergency-new"),
    path("f/<slug:code>/emergencies/<int:pk>/", views.emergency_detail, name="emergency-detail"),
    path("f/<slug:code>/emergencies/<int:pk>/approve/", views.emergency_approve, name="emergency-approve"),
    path("f/<slug:code>/emergencies/<int:pk>/message-only/", views.emergency_message_only, name="emergency-message-only"),
    path("f/<slug:code>/emergencies/<int:pk>/deny/", views.emergency_deny, name="emergency-deny"),
]
