"""What staff see as an author's name when platforms give none."""

from web import i18n
from web.api_json import author_label


def test_name_first_then_handle():
    assert author_label("Marie Tremblay", "marie_t", "x", "fr") == "Marie Tremblay"
    assert author_label("", "marie_t", "instagram", "fr") == "marie_t"


def test_a_member_id_is_not_shown_as_a_name():
    assert author_label("", "2451014529", "linkedin", "fr") == f"Membre {i18n.platform_name('linkedin', 'fr')}"
    assert author_label(None, "urn:li:person:abc", "linkedin", "en") == "LinkedIn member"
    assert author_label("", "", "wordpress", "en") == "WordPress member"
