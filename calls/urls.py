"""Staff pages of the calls app, mounted at the site root by config/urls.py."""

from django.urls import path

from . import number_page, review_views, views

urlpatterns = [
    path("f/<slug:code>/calls/", views.call_list, name="calls-list"),
    path("f/<slug:code>/resets/", views.reset_list, name="calls-resets"),
    path("f/<slug:code>/restrictions/", views.restriction_list, name="calls-restrictions"),
    path("f/<slug:code>/minute-grants/", views.grant_list, name="calls-grants"),
    path("f/<slug:code>/inmates/<int:pk>/ledger/", views.inmate_ledger, name="calls-ledger"),
    path("f/<slug:code>/inmates/<int:pk>/minutes/grant/", views.grant_minutes, name="calls-grant-minutes"),
    path("f/<slug:code>/inmates/<int:pk>/restrictions/new/", views.restriction_new, name="calls-restriction-new"),
    path("f/<slug:code>/restrictions/<int:pk>/lift/", views.restriction_lift, name="calls-restriction-lift"),
    # An investigator's page of one number (who lists it, who dialled it), linked from the link report.
    path("investigations/numbers/<str:number>/", number_page.number_page, name="calls-number"),
    # Reviews coming due (restrictions, investigation blocks, the reader's own watch entries) and the review forms.
    path("f/<slug:code>/reviews/", review_views.review_queue, name="calls-reviews"),
    path("f/<slug:code>/reviews/restrictions/<int:pk>/", review_views.restriction_review,
         name="calls-review-restriction"),
    path("f/<slug:code>/reviews/blocks/<int:pk>/", review_views.block_review, name="calls-review-block"),
]
