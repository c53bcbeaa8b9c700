"""Validation of the site's HTML forms.

Each validator returns the cleaned values and a dict of field → translation key, so a page can show every
problem next to its field in the participant's language, and a JSON client gets the same keys. WTForms is
not used for this: its messages are English-only and the rules here are few and explicit.
"""

from __future__ import annotations

import functools
import re
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

Errors = dict[str, str]


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


def country_choices(lang: str) -> list[tuple[str, str]]:
    """(code, name) for every ISO 3166-1 country, sorted by its name in ``lang``.

    Examples
    --------
    >>> dict(country_choices("da"))["DE"], dict(country_choices("en"))["DK"]
    ('Tyskland', 'Denmark')
    """
    # Plain code-point order puts Danish Æ, Ø, Å after Z, where a Danish reader looks for them.
    return sorted(((code, names[lang]) for code, names in _countries().items()), key=lambda pair: pair[1])


def validate_survey(form: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """Age 16–120, one of the listed sexes and listening habits, two ISO 3166 countries, en or da."""
    errors: Errors = {}
    values: dict[str, Any] = {}
    age_text = _text(form, "age")
    if not age_text.isdigit() or not 16 <= int(age_text) <= 120:
        errors["age"] = "error.age"
    else:
        values["age"] = int(age_text)
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
