"""Rules for text that members type, shared by every service that stores it."""

from __future__ import annotations

import re

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


def collect(errors: dict[str, str], field: str, func, *args, **kwargs):
    """Call a validator, recording its message under `field` instead of raising."""
    try:
        return func(field, *args, **kwargs)
    except Invalid as error:
        errors.update(error.errors)
        return None
