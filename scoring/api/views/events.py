"""`events`: record activity events, one or up to 1,000 at a time."""

from __future__ import annotations

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from config.api.common import MAX_BULK_ITEMS, ApiView
from config.api.errors import field_errors
from config.api.exceptions import PayloadTooLarge
from config.api.permissions import WRITERS_DATA
from config.api.schema import example
from leadscoring import services
from leadscoring.api import serializers as s
from leadscoring.models import Lead


class EventsApi(ApiView):
    read_roles = ()
    write_roles = WRITERS_DATA

    @extend_schema(
        operation_id="events_create",
        summary="Record one activity event, or a list of up to 1,000",
        description="Idempotent on (source, external_id): a re-sent event answers `created: false` and changes "
        "nothing. One event: 201 when new, 200 when a duplicate, 400 when invalid. A list: 200 with a result "
        "per item; a bad item never fails the others. More than 1,000 items: 413. The lead is rescored.",
        request=PolymorphicProxySerializer(
            component_name="EventOrEvents",
            serializers=[s.EventIn, s.EventIn(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            200: PolymorphicProxySerializer(
                component_name="EventDuplicateOrBulkResult",
                serializers=[s.EventOut, s.EventBulkOut],
                resource_type_field_name=None,
            ),
            201: s.EventOut,
        },
        examples=[
            example(
                "A pricing page view",
                {
                    "lead_external_id": "CRM-0042",
                    "kind": "pricing_page",
                    "occurred_at": "2026-03-01T09:30:00Z",
                    "source": "web",
                    "external_id": "pv-981273",
                    "url": "https://example.com/pricing",
                },
                request=True,
            ),
            example(
                "Recorded",
                {
                    "id": 7,
                    "lead_id": 42,
                    "kind": "pricing_page",
                    "occurred_at": "2026-03-01T09:30:00Z",
                    "source": "web",
                    "external_id": "pv-981273",
                    "created": True,
                },
                status_codes=["201"],
            ),
        ],
    )
    def post(self, request):
        if isinstance(request.data, list):
            return self._bulk(request, request.data)
        item = s.EventIn(data=request.data)
        item.is_valid(raise_exception=True)
        lead = _event_lead(item.validated_data)
        if lead is None:
            raise serializers.ValidationError({"lead_id": ["No such lead."]})
        event, created = services.event_record(lead=lead, **_event_fields(item.validated_data))
        body = {
            "id": event.pk,
            "lead_id": event.lead_id,
            "kind": event.kind,
            "occurred_at": event.occurred_at,
            "source": event.source,
            "external_id": event.external_id,
            "created": created,
        }
        return Response(
            s.EventOut(body).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def _bulk(self, request, items: list):
        if len(items) > MAX_BULK_ITEMS:
            raise PayloadTooLarge(f"At most {MAX_BULK_ITEMS} events per request; this list has {len(items)}.")
        results: list[dict] = [{}] * len(items)
        valid: list[dict] = []
        positions: list[int] = []
        for index, raw in enumerate(items):
            item = s.EventIn(data=raw)
            if not item.is_valid():
                results[index] = _item_error(index, item.errors)
                continue
            lead = _event_lead(item.validated_data)
            if lead is None:
                results[index] = _item_error(index, {"lead_id": ["No such lead."]})
                continue
            valid.append({"lead": lead, **_event_fields(item.validated_data)})
            positions.append(index)
        for outcome in services.events_record(events=valid):
            index = positions[outcome.index]
            if outcome.errors:
                results[index] = _item_error(index, outcome.errors)
            else:
                results[index] = {
                    "index": index,
                    "status": "created" if outcome.created else "duplicate",
                    "event_id": outcome.event.pk,
                    "lead_id": outcome.event.lead_id,
                    "errors": {},
                }
        body = {
            "received": len(items),
            "created": sum(1 for r in results if r["status"] == "created"),
            "duplicates": sum(1 for r in results if r["status"] == "duplicate"),
            "failed": sum(1 for r in results if r["status"] == "error"),
            "results": results,
        }
        return Response(s.EventBulkOut(body).data)


def _item_error(index: int, errors) -> dict:
    return {
        "index": index,
        "status": "error",
        "event_id": None,
        "lead_id": None,
        "errors": field_errors(errors),
    }


def _event_lead(data: dict) -> Lead | None:
    if data.get("lead_id"):
        return Lead.objects.filter(pk=data["lead_id"]).first()
    return Lead.objects.filter(
        source_system=data.get("lead_source_system") or "crm", external_id=data["lead_external_id"]
    ).first()


def _event_fields(data: dict) -> dict:
    return {
        "kind": data["kind"],
        "occurred_at": data["occurred_at"],
        "source": data["source"],
        "external_id": data["external_id"],
        "url": data.get("url", ""),
        "properties": data.get("properties") or {},
    }
