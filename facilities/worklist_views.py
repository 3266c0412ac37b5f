"""The worklist home: the landing page after log-in (docs/pages.md, "The worklist")."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .worklist import worklist_facilities, worklist_for


@login_required
def home(request):
    """What waits for the user now across their facilities, most urgent first; their facilities below."""
    facilities = worklist_facilities(request.user)
    queues = worklist_for(user=request.user, facilities=facilities)
    return render(request, "facilities/home.html", {"facilities": facilities, "queues": queues})
