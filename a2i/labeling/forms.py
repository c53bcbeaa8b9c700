"""Validation of the site's HTML forms.

Each validator returns the cleaned values and a dict of field → translation key, so a page can show every
problem next to its field in the participant's language, and a JSON client gets the same keys. WTForms is
not used for this: its messages are English-only and the rules here are few and explicit.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

USERNAME_RE = re.compile(r"^[A-Za-z0-9]{3,32}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
SEXES = ("female", "male", "other", "undisclosed")
MUSIC_LISTENING = ("rarely", "weekly", "daily", "heavy")
LANGUAGE_CHOICES = ("en", "da")
MAX_FEEDBACK = 5000
COUNTRY_FIELDS = ("country_of_birth", "country_of_residence")
#: The survey's age bounds: the youngest participants the study admits (16, as before this constant) and an
#: upper bound that catches typing errors.
MIN_AGE, MAX_AGE = 16, 120

Errors = dict[str, str]
#: A form integer: ASCII digits only (``str.isdigit`` also takes "²" and "٣", which ``int`` rejects or reads
#: as another digit), and at most 9 of them, so every value fits a 32-bit INTEGER column.
_INT_RE = re.compile(r"[0-9]{1,9}")


def parse_int(text: object, low: int, high: int) -> int | None:
    """The integer a form field holds when it is written in ASCII digits and lies in [low, high], else None.

    Examples
    --------
    >>> parse_int("31", 16, 120), parse_int(" 31 ", 16, 120), parse_int("²", 16, 120), parse_int("٣١", 0, 99)
    (31, 31, None, None)
    >>> parse_int("1" * 12, 0, 2**31 - 1), parse_int("-4", -9, 9), parse_int(None, 0, 9)
    (None, None, None)
    """
    if not isinstance(text, str) or not _INT_RE.fullmatch(text.strip()):
        return None
    value = int(text.strip())
    return value if low <= value <= high else None


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def validate_register(form: Mapping[str, Any]) -> tuple[dict[str, str], Errors]:
    """Invite, username (letters and digits), password of at least 8 characters typed twice."""
    values = {"invite": _text(form, "invite"), "username": _text(form, "username")}
    password, confirm = form.get("password", ""), form.get("confirm", "")
    errors: Errors = {}
    if not values["invite"]:
        errors["invite"] = "error.required"
    if not USERNAME_RE.match(values["username"]):
        errors["username"] = "error.username"
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        errors["password"] = "error.password"
    elif password != confirm:
        errors["confirm"] = "error.confirm"
    values["password"] = password if isinstance(password, str) else ""
    return values, errors


@functools.cache
def _countries() -> dict[str, dict[str, str]]:
    """ISO 3166-1 alpha-2 code → country name per site language (pycountry's names and translations)."""
    import gettext

    import pycountry

    names: dict[str, dict[str, str]] = {}
    translations = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
                    for lang in LANGUAGE_CHOICES}
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        names[country.alpha_2] = {lang: t.gettext(name) if t.gettext(name) != name else t.gettext(country.name)
                                  for lang, t in translations.items()}
    return names


#: Danish alphabetical order (Retskrivningsordbogen; CLDR's "da" collation): æ, ø, å are letters after z, in
#: that order, and ä, ö sort as æ, ø, ü as y. Mapped to the characters after "z" in code-point order.
_DANISH_LETTERS = {"æ": "{", "ø": "|", "å": "}", "ä": "{", "ö": "|", "ü": "y"}


def collation_key(text: str, lang: str) -> tuple[str, str]:
    """A sort key that orders names as a reader of ``lang`` expects, without the system's locales.

    Case and accents are ignored first (é sorts as e, Å in English as A); in Danish æ, ø, å come after z.
    Ties fall back to the exact text, so the order is total.

    Examples
    --------
    >>> sorted(["Østrig", "Zambia", "Åland", "Ækvatorialguinea", "Albanien"], key=lambda n: collation_key(n, "da"))
    ['Albanien', 'Zambia', 'Ækvatorialguinea', 'Østrig', 'Åland']
    >>> sorted(["Zambia", "Åland Islands", "Côte d'Ivoire", "Albania"], key=lambda n: collation_key(n, "en"))
    ['Åland Islands', 'Albania', "Côte d'Ivoire", 'Zambia']
    """
    folded = text.casefold()
    if lang == "da":  # before decomposing: NFD would split å into a + ring and sort it as a
        folded = "".join(_DANISH_LETTERS.get(ch, ch) for ch in folded)
    base = "".join(ch for ch in unicodedata.normalize("NFD", folded) if not unicodedata.combining(ch))
    return base, text


def country_choices(lang: str) -> list[tuple[str, str]]:
    """(code, name) for every ISO 3166-1 country, in ``lang``'s alphabetical order (:func:`collation_key`).

    Examples
    --------
    >>> dict(country_choices("da"))["DE"], dict(country_choices("en"))["DK"]
    ('Tyskland', 'Denmark')
    >>> [name for _, name in country_choices("da")][-3:]
    ['Ækvatorialguinea', 'Østrig', 'Åland']
    """
    return sorted(((code, names[lang]) for code, names in _countries().items()),
                  key=lambda pair: collation_key(pair[1], lang))


def validate_survey(form: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """Age 16–120, one of the listed sexes and listening habits, two ISO 3166 countries, en or da."""
    errors: Errors = {}
    values: dict[str, Any] = {}
    age = parse_int(_text(form, "age"), MIN_AGE, MAX_AGE)
    if age is None:
        errors["age"] = "error.age"
    else:
        values["age"] = age
    for name, choices in (("sex", SEXES), ("music_listening", MUSIC_LISTENING),
                          ("preferred_language", LANGUAGE_CHOICES)):
        values[name] = _text(form, name)
        if values[name] not in choices:
            errors[name] = "error.choice"
    for name in COUNTRY_FIELDS:
        values[name] = _text(form, name).upper()
        if not values[name]:
            errors[name] = "error.required"
        elif values[name] not in _countries():
            errors[name] = "error.choice"
    return values, errors


def validate_feedback(form: Mapping[str, Any]) -> tuple[dict[str, str], Errors]:
    """Optional free text of at most 5000 characters."""
    text = _text(form, "text")
    return {"text": text}, ({"text": "error.text"} if len(text) > MAX_FEEDBACK else {})
