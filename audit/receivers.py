"""Audit reacts to what the layers below announce: every read of personal data becomes a log row."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from leadscoring.signals import lead_erased, personal_data_read

from .models import PersonalDataAccess, UserActivity
from .services.erasure import copies_scrub


@receiver(personal_data_read, dispatch_uid="audit.personal_data_access_log")
def personal_data_access_log(sender, *, leads, user, integration, channel, action, **kwargs) -> None:
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(
            user=user,
            integration=integration[:128],
            lead=lead,
            lead_external_id=lead.external_id,
            channel=channel,
            action=action[:128],
        )
        for lead in leads
    )


@receiver(lead_erased, dispatch_uid="audit.erased_copies_scrub")
def erased_copies_scrub(sender, *, lead, needles, wiped, actor, reason, request_ref, **kwargs) -> None:
    copies_scrub(lead=lead, needles=needles, wiped=wiped, actor=actor, reason=reason, request_ref=request_ref)


def _ip(request) -> str | None:
    return (request.META.get("REMOTE_ADDR") or None) if request is not None else None


@receiver(user_logged_in, dispatch_uid="audit.login_log")
def login_log(sender, *, request, user, **kwargs) -> None:
    UserActivity.objects.create(
        kind=UserActivity.Kind.LOGIN, user=user, username=user.get_username(), ip=_ip(request)
    )


@receiver(user_logged_out, dispatch_uid="audit.logout_log")
def logout_log(sender, *, request, user, **kwargs) -> None:
    if user is not None:
        UserActivity.objects.create(
            kind=UserActivity.Kind.LOGOUT, user=user, username=user.get_username(), ip=_ip(request)
        )


@receiver(user_login_failed, dispatch_uid="audit.login_failed_log")
def login_failed_log(sender, *, credentials, request=None, **kwargs) -> None:
    UserActivity.objects.create(
        kind=UserActivity.Kind.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        ip=_ip(request),
    )


@receiver(user_locked_out, dispatch_uid="audit.locked_out_log")
def locked_out_log(sender, *, request, username=None, ip_address=None, **kwargs) -> None:
    UserActivity.objects.create(
        kind=UserActivity.Kind.LOCKED_OUT, username=str(username or "")[:150], ip=ip_address or _ip(request)
    )
