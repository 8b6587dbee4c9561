"""Reading one cell: the parser for each kind of model field, what an empty cell becomes, and how an
unmapped cell is kept. A cell that cannot be read raises CellError with the reason shown to the user."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import timezone

MAX_INTEGER = 2_147_483_647  # the smallest of the backends' integer columns


class CellError(ValueError):
    """A cell cannot be read as its field's type; the message is the reason shown to the user."""


TRUE_WORDS = {"yes", "y", "true", "t", "1"}
FALSE_WORDS = {"no", "n", "false", "f", "0"}
INTEGER_TEXT = re.compile(r"^-?(0|[1-9]\d{0,17})$")
DECIMAL_TEXT = re.compile(r"^-?(0|[1-9]\d*)\.\d+$")
THOUSANDS_TEXT = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def normalised(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _text_parser(f: models.Field) -> Callable[[str], Any]:
    choices = {}
    for value, label in f.choices or ():
        choices[normalised(str(value))] = value
        choices[normalised(str(label))] = value
    is_email = isinstance(f, models.EmailField)

    def parse(text: str) -> str:
        if choices:
            if normalised(text) not in choices:
                raise CellError(f"not one of: {', '.join(str(v) for v, _ in f.choices)}")
            return choices[normalised(text)]
        if f.max_length and len(text) > f.max_length:
            raise CellError(f"longer than {f.max_length} characters")
        if is_email:
            try:
                validate_email(text)
            except ValidationError:
                raise CellError("not a valid e-mail address") from None
        return text

    return parse


def _number_text(text: str) -> str:
    return text.replace(",", "") if THOUSANDS_TEXT.match(text) else text


def _integer_parser(f: models.Field) -> Callable[[str], int]:
    positive = isinstance(f, models.PositiveIntegerField | models.PositiveSmallIntegerField)

    def parse(text: str) -> int:
        try:
            number = Decimal(_number_text(text))
        except InvalidOperation:
            raise CellError("not a whole number") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise CellError("not a whole number")
        if positive and number < 0:
            raise CellError("must not be negative")
        if abs(number) > MAX_INTEGER:
            raise CellError(f"too large (at most {MAX_INTEGER})")
        return int(number)

    return parse


def _decimal_parser(f: models.DecimalField) -> Callable[[str], Decimal]:
    step = Decimal(1).scaleb(-f.decimal_places)
    whole_digits = f.max_digits - f.decimal_places
    non_negative = any(getattr(v, "limit_value", None) == 0 for v in f.validators)

    def parse(text: str) -> Decimal:
        try:
            number = Decimal(_number_text(text))
        except InvalidOperation:
            raise CellError("not a number") from None
        if not number.is_finite():
            raise CellError("not a number")
        if non_negative and number < 0:
            raise CellError("must not be negative")
        number = number.quantize(step, rounding=ROUND_HALF_UP)
        if number.adjusted() >= whole_digits:
            raise CellError(f"too large (at most {whole_digits} digits before the decimal point)")
        return number

    return parse


def _boolean_parse(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError("not yes or no (expected yes/no, true/false or 1/0)")


def _datetime_parse(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise CellError("not a date-time (expected ISO 8601, e.g. 2024-05-01T09:30:00Z)") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)  # in the project's time zone
    return moment


def _date_parse(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise CellError("not a date (expected YYYY-MM-DD)") from None


def _list_parse(text: str) -> list:
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise CellError("not a JSON list") from None
        if not isinstance(value, list):
            raise CellError("not a JSON list")
        return value
    return [item.strip() for item in re.split(r"[;,]", text) if item.strip()]


def field_parser(f: models.Field) -> Callable[[str], Any]:
    """The function that reads a cell's stripped text as this model field's value, or raises CellError."""
    if isinstance(f, models.BooleanField):
        return _boolean_parse
    if isinstance(f, models.DateTimeField):
        return _datetime_parse
    if isinstance(f, models.DateField):
        return _date_parse
    if isinstance(f, models.DecimalField):
        return _decimal_parser(f)
    if isinstance(f, models.IntegerField):
        return _integer_parser(f)
    if isinstance(f, models.JSONField):
        return _list_parse
    return _text_parser(f)


def field_empty(f: models.Field) -> Any:
    """What a missing cell becomes: None where the field allows it, else its default ("" / False / [])."""
    if f.null:
        return None
    return f.get_default()


def attribute_value(text: str) -> Any:
    """An unmapped cell kept in attributes: a number when the text is one exactly ("007" stays text)."""
    if INTEGER_TEXT.match(text):
        return int(text)
    if DECIMAL_TEXT.match(text):
        return float(text)
    return text


def _attribute_number(text: str) -> float | int:
    try:
        number = Decimal(_number_text(text))
    except InvalidOperation:
        raise CellError("not a number") from None
    if not number.is_finite():
        raise CellError("not a number")
    return int(number) if number == number.to_integral_value() else float(number)


def _attribute_integer(text: str) -> int:
    try:
        number = _attribute_number(text)
    except CellError:
        raise CellError("not a whole number") from None
    if not isinstance(number, int):
        raise CellError("not a whole number")
    return number


ATTRIBUTE_PARSERS: dict[str, Callable[[str], Any]] = {
    "text": str,
    "number": _attribute_number,
    "integer": _attribute_integer,
    "boolean": _boolean_parse,
    "date": lambda text: _date_parse(text).isoformat(),  # attributes are JSON: dates kept as ISO text
}
