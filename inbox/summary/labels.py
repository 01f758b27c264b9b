"""Names people read in a summary: platforms (named by the caller, who knows the registry) and
languages. Machine formats (JSON, CSV) keep the codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inbox.alerts.message import Describe, reasons_in_words, worded_title
from inbox.alerts.message import words as alert_words

_LANGS = {
    "fr": {"fr": "français", "en": "anglais", "es": "espagnol", "pt": "portugais", "it": "italien",
           "de": "allemand", "nl": "néerlandais", "ca": "catalan", "ro": "roumain", "und": "indéterminée"},
    "en": {"fr": "French", "en": "English", "es": "Spanish", "pt": "Portuguese", "it": "Italian",
           "de": "German", "nl": "Dutch", "ca": "Catalan", "ro": "Romanian", "und": "undetermined"},
}


def language_name(code: str, lang: str) -> str:
    """A language code in words, in French or English (the code itself when unknown)."""
    return _LANGS.get(lang, _LANGS["en"]).get(code, code)


def named(summary: dict[str, Any], lang: str, platform_name: Callable[[str, str], str] | None = None,
          describe: Describe | None = None) -> dict[str, Any]:
    """The summary with platform, language, alert-kind and reason names for display (codes stay
    where no name is known): urgent items get `reasons_text`, alert titles lose their codes."""
    def platform(code: str) -> str:
        return platform_name(code, lang) if platform_name else code

    def worded(title: str) -> str:
        return worded_title(title, lang, describe)

    volume = summary["volume"]
    alerts = summary.get("alerts") or {}
    return {
        **summary,
        "volume": {
            **volume,
            "by_platform": {platform(k): v for k, v in volume["by_platform"].items()},
            "by_lang": {language_name(k, lang): v for k, v in volume["by_lang"].items()},
        },
        "urgent": [{**it, "platform": platform(it["platform"]),
                    "reasons_text": reasons_in_words(it.get("reasons"), lang, describe)} for it in summary["urgent"]],
        "alerts": {
            **alerts,
            "by_kind": {alert_words(lang).get(k, k): v for k, v in alerts.get("by_kind", {}).items()},
            "recent": [{**a, "title": worded(a.get("title") or "")} for a in alerts.get("recent", [])],
        },
    }
