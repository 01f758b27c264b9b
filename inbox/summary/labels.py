"""Names people read in a summary: platforms (named by the caller, who knows the registry) and
languages. Machine formats (JSON, CSV) keep the codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_LANGS = {
    "fr": {"fr": "français", "en": "anglais", "es": "espagnol", "pt": "portugais", "it": "italien",
           "de": "allemand", "nl": "néerlandais", "ca": "catalan", "ro": "roumain", "und": "indéterminée"},
    "en": {"fr": "French", "en": "English", "es": "Spanish", "pt": "Portuguese", "it": "Italian",
           "de": "German", "nl": "Dutch", "ca": "Catalan", "ro": "Romanian", "und": "undetermined"},
}


def language_name(code: str, lang: str) -> str:
    """A language code in words, in French or English (the code itself when unknown)."""
    return _LANGS.get(lang, _LANGS["en"]).get(code, code)


def named(summary: dict[str, Any], lang: str, platform_name: Callable[[str, str], str] | None = None) -> dict[str, Any]:
    """The summary with platform and language names for display; codes stay where no name is known."""
    def platform(code: str) -> str:
        return platform_name(code, lang) if platform_name else code

    volume = summary["volume"]
    return {
        **summary,
        "volume": {
            **volume,
            "by_platform": {platform(k): v for k, v in volume["by_platform"].items()},
            "by_lang": {language_name(k, lang): v for k, v in volume["by_lang"].items()},
        },
        "urgent": [{**it, "platform": platform(it["platform"])} for it in summary["urgent"]],
    }
