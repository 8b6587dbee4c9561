"""JSON bodies are typed as the schema says: DRF would turn `0` into the text "0", `0` into false and
`false` into 0.0; here a value of the wrong JSON type is a 400 naming the field.

Query strings are all text, so a query serializer (its data a QueryDict) is left to DRF's own parsing,
except that a parameter given empty (`?start=`) is refused instead of read as absent.
"""

from __future__ import annotations

from rest_framework import serializers

_EXPECTED = (
    # (field class, accepted JSON types, message); the first that matches a field decides
    (serializers.BooleanField, (bool,), "Must be true or false."),
    (serializers.CharField, (str,), "Must be text."),
    (serializers.IntegerField, (int,), "Must be a whole number."),
    (serializers.FloatField, (int, float), "Must be a number."),
    (serializers.DecimalField, (int, float), "Must be a number."),
)


def _type_error(field: serializers.Field, value) -> str:
    if value is None:
        return ""
    for field_class, types, message in _EXPECTED:
        if isinstance(field, field_class):
            if isinstance(value, bool) and bool not in types:
                return message
            return "" if isinstance(value, types) else message
    return ""


class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        errors = {}
        if hasattr(data, "getlist"):
            for name in self.fields:
                if name in data and any(value == "" for value in data.getlist(name)):
                    errors[name] = ["Give a value, or leave the parameter out."]
        elif isinstance(data, dict):
            for name, field in self.fields.items():
                if name in data and not field.read_only:
                    message = _type_error(field, data[name])
                    if message:
                        errors[name] = [message]
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
