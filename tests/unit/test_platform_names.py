"""Platform names people read, and the URL schemes each platform's account accepts."""

from __future__ import annotations

from collector import registry
from web import i18n


def test_every_platform_has_a_display_name_and_translations_where_needed() -> None:
    assert set(registry.DISPLAY_NAMES) == set(registry.platforms())
    assert [registry.display_name(p) for p in ("wordpress", "rss", "youtube", "linkedin", "x")] == [
        "WordPress", "RSS", "YouTube", "LinkedIn", "X"]
    assert registry.display_name("mastodon") == "mastodon"  # unknown: the code, never a guess
    assert (i18n.platform_name("imap", "fr"), i18n.platform_name("imap", "en")) == ("Courriel", "E-mail")
    assert (i18n.platform_name("google", "fr"), i18n.platform_name("google", "en")) == ("Google (avis)", "Google reviews")
    assert i18n.platform_name("facebook", "fr") == "Facebook"


def test_url_fields_name_known_platforms_and_always_a_base_url() -> None:
    assert set(registry.URL_FIELDS) <= set(registry.platforms())
    for platform in registry.platforms():
        fields = registry.url_fields(platform)
        assert fields["base_url"], platform
        assert not {"javascript", "data", "file", "vbscript"} & {s for schemes in fields.values() for s in schemes}
    assert registry.url_fields("wordpress") == {"base_url": ("http", "https")}
