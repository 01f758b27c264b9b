"""What people read of each platform, declared on its collector class: name, URL settings, labels."""

from __future__ import annotations

import pytest

from collector import registry
from collector.base import Collector
from web import i18n


@pytest.mark.parametrize("platform", registry.platforms())
def test_every_platform_class_declares_its_name_and_url_fields(platform: str) -> None:
    cls = registry.collector_class(platform)
    assert issubclass(cls, Collector) and cls.platform == platform
    # Declared on the class itself: an inherited empty name would show as nothing in the UI.
    assert "display_name" in vars(cls) and cls.display_name.strip(), platform
    assert cls.url_fields["base_url"], platform
    schemes = {s for fields in cls.url_fields.values() for s in fields}
    assert not {"javascript", "data", "file", "vbscript"} & schemes, platform
    # Every URL-valued setting has a label for the settings form, in English with a French translation.
    for key in cls.url_fields.keys() - {"base_url"}:
        assert cls.url_labels[key] in i18n.CATALOGUES["fr"], (platform, key)
    if cls.base_url_hint:
        assert cls.base_url_hint in i18n.CATALOGUES["fr"], platform


def test_names_people_read_and_their_translations() -> None:
    assert [i18n.platform_name(p, "en") for p in ("wordpress", "rss", "youtube", "linkedin", "x")] == [
        "WordPress", "RSS", "YouTube", "LinkedIn", "X"]
    assert i18n.platform_name("mastodon", "fr") == "mastodon"  # unknown: the code, never a guess
    assert (i18n.platform_name("imap", "fr"), i18n.platform_name("imap", "en")) == ("Courriel", "E-mail")
    assert (i18n.platform_name("google", "fr"), i18n.platform_name("google", "en")) == ("Google (avis)", "Google reviews")
    assert i18n.platform_name("facebook", "fr") == "Facebook"


def test_only_mail_takes_urls_other_than_http() -> None:
    assert registry.collector_class("wordpress").url_fields == {"base_url": ("http", "https")}
    mail = registry.collector_class("imap")
    assert dict(mail.url_fields) == {"base_url": ("imap", "imaps"), "smtp_url": ("smtp", "smtps")}
