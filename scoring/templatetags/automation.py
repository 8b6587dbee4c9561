"""`{% unread_notifications as n %}`: the navigation bar's unread count (config imports no app, so the
shared base template asks scoring through this tag)."""

from django import template

from ..automation.selectors import notifications_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    return notifications_unread_count(user=getattr(request, "user", None))
