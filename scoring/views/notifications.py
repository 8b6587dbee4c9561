"""A user's notifications: the list (unread first), and opening one (marks it read, goes to its lead)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from config.pages import nav_for

from ..automation import selectors, services
from ..automation.models import Notification


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "scoring/notifications.html",
        {
            "nav": nav_for(request.user, "notifications"),
            "notifications": selectors.notifications_of(user=request.user),
        },
    )


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_open(notification=notification)
    if notification.lead_id:
        return redirect("lead", pk=notification.lead_id)
    return redirect("notifications")
