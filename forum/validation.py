"""Rules for text that members type, shared by every service that stores it."""

from __future__ import annotations

import re

from werkzeug.routing import BaseConverter, ValidationError

from forum.errors import Invalid

# C0 controls other than tab and newline, and DEL: never meaningful in a post.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(
    field: str,
    value: object,
    *,
    label: str,
    required: bool = True,
    min_length: int = 0,
    max_length: int,
    single_line: bool = False,
) -> str:
    """Return `value` tidied for storage, or raise Invalid naming `field` and saying why."""
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise Invalid(field, f"{label} contains a NUL character, which we cannot store. "
                             "Remove it and try again.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid(field, f"{label} contains characters that are not valid text (broken "
                             "unicode). Retype the affected part and try again.") from None
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if single_line:
        text = " ".join(text.split())
    else:
        text = text.strip()
    if not text:
        if required:
            raise Invalid(field, f"{label} is empty. Please write something.")
        return ""
    if len(text) < min_length:
        raise Invalid(field, f"{label} is too short: use at least {min_length} characters.")
    if len(text) > max_length:
        raise Invalid(field, f"{label} is too long: {len(text):,} characters, and the limit is "
                             f"{max_length:,}. Your text is kept below so you can shorten it.")
    return text


def identifier_key(value: object) -> str:
    """Return a typed username or email as the services look it up: one line, lower case.

    Rate limits key on this too, so control characters or spacing cannot make the same
    account count as another.
    """
    text = value if isinstance(value, str) else ""
    text = _CONTROL.sub("", text.replace("\x00", "").replace("\r", " ").replace("\n", " "))
    return " ".join(text.split()).lower()


def collect(errors: dict[str, str], field: str, func, *args, **kwargs):
    """Call a validator, recording its message under `field` instead of raising."""
    try:
        return func(field, *args, **kwargs)
    except Invalid as error:
        errors.update(error.errors)
        return None


# Ids in paths and numbers in query strings ------------------------------------------------

# The largest id any table can hold on every database (PostgreSQL's INTEGER).
MAX_ID = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")


def whole_number(value: object, low: int, high: int) -> int | None:
    """Return `value` as a number from `low` to `high`, or None for anything else.

    Only ASCII digits count: `str.isdigit()` also accepts superscript and circled digits,
    which `int()` then refuses, and `int()` accepts fullwidth and other scripts' digits.
    """
    if not isinstance(value, str) or not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def query_text(value: object, *, max_length: int) -> str:
    """Return a query-string value as one tidy line: no NUL or control characters."""
    text = value if isinstance(value, str) else ""
    text = _CONTROL.sub("", text.replace("\x00", ""))
    return " ".join(text.split())[:max_length]


class IdConverter(BaseConverter):
    """`<int:...>` in every route: ASCII digits from 1 to MAX_ID, else the route does not match.

    Werkzeug's own converter takes any number, and an id beyond the column's range makes the
    database driver fail (SQLite from 2**63, PostgreSQL from 2**31) instead of answering 404.
    """

    regex = r"[0-9]{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = whole_number(value, 1, MAX_ID)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]
