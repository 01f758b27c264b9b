"""Every setting a collector reads is declared for the settings form, in French and English, with
defaults its own limits accept: a setting added to a collector without its form field fails here."""

from __future__ import annotations

import inspect
import re

import pytest

from collector import registry
from web import i18n
from web.account_form import FormError, checked_settings, setting_name

# Settings a collector reads that are not typed in the form: URL-valued ones have their own
# checked fields (url_fields); the rest are written by Jasette itself.
NOT_TYPED = {"smtp_url"}


def _read_keys(platform: str) -> set[str]:
    cls = registry.collector_class(platform)
    source = "".join(inspect.getsource(k) for k in cls.__mro__ if k.__module__.startswith("collector.") and k.__name__ != "Collector")
    return set(re.findall(r"""\b(?:settings|s)(?:\.get\(|\[)\s*["']([a-z_]+)["']""", source))


@pytest.mark.parametrize("platform", registry.platforms())
def test_every_setting_a_collector_reads_has_a_form_field(platform: str) -> None:
    cls = registry.collector_class(platform)
    declared = {f.key for f in cls.setting_fields}
    assert _read_keys(platform) - NOT_TYPED <= declared, platform
    for f in cls.setting_fields:
        assert f.label in i18n.CATALOGUES["fr"], (platform, f.label)
        assert not f.hint or f.hint in i18n.CATALOGUES["fr"], (platform, f.hint)
        if f.default is not None:  # the default shown as a placeholder is one the form accepts
            values, _ = checked_settings(platform, {setting_name(platform, f.key): str(f.default)})
            assert values == {f.key: f.default}, (platform, f.key)


def test_limits_are_checked_and_said_in_words() -> None:
    assert checked_settings("linkedin", {"linkedin.version": "202610", "linkedin.posts": "5"}) == (
        {"version": "202610", "posts": 5}, [])
    with pytest.raises(FormError) as caught:
        checked_settings("linkedin", {"linkedin.posts": "500"})
    assert caught.value.field == "linkedin.posts" and caught.value.status_code == 400
    with pytest.raises(FormError):
        checked_settings("x", {"x.username": "a\u0000b"})
    # An empty field goes back to the default; a field missing from the form is left alone.
    assert checked_settings("facebook", {"facebook.lookback_days": ""}) == ({}, ["lookback_days"])
    assert checked_settings("facebook", {}) == ({}, [])
    assert checked_settings("instagram", {"instagram.username": "@cafe.a"}) == ({"username": "cafe.a"}, [])


@pytest.mark.parametrize("platform", registry.platforms())
def test_the_address_may_be_empty_only_where_the_platform_has_its_own(platform: str) -> None:
    cls = registry.collector_class(platform)
    assert bool(cls.default_base_url) == (platform not in ("wordpress", "rss", "imap")), platform
