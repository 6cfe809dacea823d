"""The contract of a cluster row: one pydantic model; its identity key comes from pipelines.keys, its
staged form from pipelines.stage (row_record)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cached_property
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl
from pydantic_core import SchemaValidator, core_schema

from pipelines.keys import country_key, name_key

_SPACE = re.compile(r"\s+")  # \s covers NBSP and the other Unicode spaces
_DATE = re.compile(r"(\d{4})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})")
_DATE_DMY = re.compile(r"(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4})")  # 19.09.2018, unambiguous
_HOST_LIKE = re.compile(r"^[\w-]+(\.[\w-]+)+(:\d+)?([/?#].*)?$")
# HttpUrl's own core schema, without the Python class pydantic wraps around each value: the same
# checks and the same normalised text, at a fraction of the cost per row
_URL = SchemaValidator(core_schema.url_schema(**HttpUrl._constraints.defined_constraints))


def clean_text(value: Any) -> Any:
    """Whitespace (NBSP included) collapsed and trimmed, Unicode NFC."""
    if not isinstance(value, str):
        return value
    text = " ".join(value.split())  # str.split() splits on every Unicode space, NBSP included
    return text if text.isascii() or unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def parse_label_date(value: Any) -> Any:
    """`2018/09/19` as the site writes it (ISO dashes and `19.09.2018` accepted); an impossible day
    is an error."""
    if not isinstance(value, str):
        return value
    if len(value) == 10 and value[4] == value[7] == "/" and value.isascii() and value.replace("/", "").isdigit():
        return dt.date(int(value[:4]), int(value[5:7]), int(value[8:]))  # the site's own form, fast
    text = " ".join(value.split())
    if match := _DATE.fullmatch(text):
        year, month, day = map(int, match.groups())
    elif match := _DATE_DMY.fullmatch(text):
        day, month, year = map(int, match.groups())
    else:
        raise ValueError(f"not a date in the form YYYY/MM/DD: {text[:40]!r}")
    return dt.date(year, month, day)  # raises ValueError for 2021/02/30


def normalise_website(value: str | None) -> str | None:
    """An absolute http(s) URL, or None when the cell holds nothing usable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.startswith("//"):
        text = "http:" + text
    elif "://" not in text and _HOST_LIKE.match(text):
        text = "http://" + text
    try:
        url = _URL.validate_python(text)
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.host or "." not in url.host:
        return None
    return str(url)


# the constraint before the validator: so pydantic-core checks the length itself, not a Python function
CleanText = Annotated[str, Field(min_length=1), BeforeValidator(clean_text)]


class ClusterRow(BaseModel):
    """One row of a country table, cleaned. Anything that breaks it goes to the quarantine."""

    model_config = ConfigDict(frozen=True)

    country: CleanText
    country_id: Annotated[str, Field(min_length=1, pattern=r"^[0-9A-Za-z-]+$"), BeforeValidator(clean_text)]
    name: CleanText
    portfolio: CleanText
    valid_until: Annotated[dt.date, BeforeValidator(parse_label_date)]
    website: Annotated[str | None, AfterValidator(normalise_website)] = None

    @cached_property
    def key(self) -> tuple[str, str]:
        return country_key(self.country_id), name_key(self.name)


def reasons(error: Exception) -> str:
    """A pydantic ValidationError as one line a person can read: `field: message; ...`."""
    errors = getattr(error, "errors", None)
    if errors is None:
        return str(error)
    parts = []
    for e in errors(include_url=False):
        where = ".".join(str(p) for p in e["loc"]) or "row"
        message = e["msg"]
        if e["type"] in ("string_too_short", "too_short", "missing"):
            message = "missing" if e["type"] == "missing" else "empty"
        parts.append(f"{where}: {message}")
    return "; ".join(parts)
