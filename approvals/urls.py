"""Staff pages of the approvals app, mounted at the site root by config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("f/<slug:code>/phone-lists/queue/", views.queue, name="approvals-queue"),
    path("f/<slug:code>/phone-lists/entries/<int:pk>/", views.entry_detail, name="approvals-entry"),
    path("f/<slug:code>/phone-lists/entries/<int:pk>/remove/", views.entry_remove, name="approvals-entry-remove"),
    path("f/<slug:code>/phone-lists/entries/<int:pk>/suspend/", views.entry_suspend, name="approvals-entry-suspend"),
    path("f/<slug:code>/phone-lists/entries/<int:pk>/back-to-review/", views.entry_return_to_review,
         name="approvals-entry-review"),
    path("f/<slug:code>/inmates/<int:inmate_pk>/phone-list/add/", views.entry_add, name="approvals-entry-add"),
    path("f/<slug:code>/no-contact-orders/", views.order_list, name="approvals-orders"),
    path("f/<slug:code>/no-contact-orders/<int:pk>/", views.order_detail, name="approvals-order"),
    path("f/<slug:code>/court-cases/", views.case_list, name="approvals-cases"),
    path("f/<slug:code>/court-cases/<int:pk>/", views.case_detail, name="approvals-case"),
    path("f/<slug:code>/blocked-numbers/", views.block_list, name="approvals-blocks"),
    path("f/<slug:code>/blocked-numbers/<int:pk>/", views.block_detail, name="approvals-block"),
    path("f/<slug:code>/number-library/", views.library_list, name="approvals-library"),
    path("f/<slug:code>/number-library/<int:pk>/", views.library_detail, name="approvals-library-number"),
    path("f/<slug:code>/list-leaves/", views.leave_list, name="approvals-leaves"),
    path("f/<slug:code>/list-leaves/<int:pk>/", views.leave_detail, name="approvals-leave"),
]
