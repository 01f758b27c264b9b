"""Newsletter replies read from raw RFC 822 messages: charsets, quotes, signatures, HTML, mbox."""

from __future__ import annotations

import argparse
import io
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector import imap, parse_cli
from collector.mail import decode_bytes, read_message, strip_quoted, text_of_html

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imap"
NEWSLETTER = "<infolettre-2026-12@cafe-du-plateau.example>"


def _one(name: str):
    items = imap.parse((FIXTURES / name).read_bytes())
    assert len(items) == 1
    return items[0]


def test_a_french_reply_in_windows_1252_keeps_its_accents_and_loses_quote_and_signature() -> None:
    item = _one("fr_windows1252.eml")
    assert item.platform == "imap" and item.kind == "message"
    assert item.body == (
        "Bonjour!\n\nMerci pour l'infolettre. Est-ce que le menu des fêtes est offert à emporter? "
        "Ma belle-mère adore vos bûches."
    )
    assert (item.author.name, item.author.external_id, item.author.handle) == (
        "Hélène Tremblay", "helene.tremblay@example.ca", "helene.tremblay@example.ca"
    )
    assert item.raw["subject"] == "Re : Notre menu des fêtes"  # encoded-word in windows-1252
    assert item.external_id == "<CAF3x9q+helene@mail.example.ca>"
    assert (item.parent_external_id, item.thread_external_id) == (NEWSLETTER, NEWSLETTER)
    assert item.created_at == datetime(2026, 11, 18, 16, 15, 42, tzinfo=UTC)
    assert item.created_at.tzinfo is not None


def test_an_english_gmail_reply_prefers_the_text_part_and_its_wrapped_attribution_is_cut() -> None:
    item = _one("en_gmail_wrapped.eml")
    assert item.body == "Do you deliver to Verdun?\nI'd order two tourtières."
    assert item.author.name == "Sam O'Brien"
    # In-Reply-To is the parent; the first of References is the newsletter that began the thread.
    assert (item.parent_external_id, item.thread_external_id) == ("<CAF3x9q+helene@mail.example.ca>", NEWSLETTER)


def test_an_html_only_reply_becomes_text_without_scripts_styles_or_the_quote() -> None:
    item = _one("html_only.eml")
    assert item.body == "J'adore « La Bûche » & vos croissants!\n\n<script>pas du code</script>"
    assert "alert" not in item.body and "color" not in item.body
    assert item.raw["subject"] == "Re: Notre menu des fêtes"  # base64 encoded-word


def test_an_outlook_reply_in_latin1_loses_its_device_line_and_header_block() -> None:
    item = _one("outlook_fr_latin1.eml")
    assert item.body == "Bonjour, je voudrais me désabonner de l'infolettre SVP."
    assert item.author.name == "Luc Gagné"


def test_mislabelled_text_is_read_and_said_and_a_missing_message_id_gets_a_stable_id() -> None:
    body = (FIXTURES / "mislabelled_no_id.eml").read_bytes()
    first, again = imap.parse(body)[0], imap.parse(body)[0]
    assert first.body == "Très bon café, merci!"
    assert first.external_id.startswith("sha256:") and first.external_id == again.external_id
    # "-0000" means "zone unknown" (RFC 5322 section 3.3): read as UTC, never naive.
    assert first.created_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    assert read_message(body).problems == ["text/plain part: text is not valid us-ascii; read as utf-8"]


def test_malformed_mime_still_gives_the_words_and_says_what_was_wrong() -> None:
    reading = read_message((FIXTURES / "malformed_mime.eml").read_bytes())
    assert reading.text.startswith("Allo, avez-vous des croissants aux amandes?")
    assert reading.date is None
    problems = " | ".join(reading.problems)
    assert "CloseBoundaryNotFoundDefect" in problems
    assert "unknown charset 'klingon'" in problems
    assert "unreadable Date header" in problems
    item = _one("malformed_mime.eml")
    assert item.created_at is None and item.author.external_id == "broken@example.com"


def test_an_mbox_gives_each_reply_and_drops_automatic_answers() -> None:
    items = imap.parse((FIXTURES / "newsletter_replies.mbox").read_bytes())
    assert [i.external_id for i in items] == ["<CAOB-sam-1@mail.gmail.example>", "<zoe-1@example.com>"]
    # mboxrd's ">>From" comes back as the quote line ">From", which is then cut as a quote.
    assert items[1].body == "Allô! J'ai lu:\nBravo."


@pytest.mark.parametrize(
    ("name", "reason"),
    [("not_mail.json", "not an e-mail message"), ("out_of_office.eml", "automatic reply")],
)
def test_what_is_not_a_reply_is_refused_with_a_reason(name: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        imap.parse((FIXTURES / name).read_bytes())


def test_empty_input_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        imap.parse(b"  \n")


@pytest.mark.parametrize(
    "attribution",
    [
        "Le mar. 18 nov. 2026, à 10 h 02, Café <nouvelles@cafe.example> a écrit :",
        "Le mar. 18 nov. 2026, à 10 h 02, Café <nouvelles@cafe.example> a\u00a0écrit\u202f:",
        "Le 18 nov. 2026 à 10:02, Café du Plateau <nouvelles@cafe.example> a écrit :",
        "On Tue, Nov 18, 2026 at 10:02 AM Café <nouvelles@cafe.example> wrote:",
        "On Tue, Nov 18, 2026 at 10:02 AM Café du Plateau <\nnouvelles@cafe.example> wrote:",
        "On 2026-11-18 10:02, Café du Plateau wrote:",
        "-----Original Message-----",
        "-------- Message original --------",
    ],
)
def test_quoted_originals_are_cut_at_their_attribution(attribution: str) -> None:
    text = f"Merci, à samedi!\n\n{attribution}\n> Notre infolettre\n> Bonne semaine\n"
    assert strip_quoted(text) == "Merci, à samedi!"


@pytest.mark.parametrize(
    ("own", "attribution"),
    [
        ("Le menu est-il offert le 24?", "Le 24/11/2026 à 23:33, Café <nouvelles@cafe.example> a écrit :"),
        ("Le menu est-il offert le 24?\nLe brunch aussi?", "Le 24 nov. 2026 à 10:02, Café a écrit :"),
        ("On Sunday we will come at 10.", "On Tue, Nov 18, 2026 at 10:02 AM Café <nouvelles@cafe.example> wrote:"),
    ],
)
def test_own_lines_that_start_like_an_attribution_are_kept(own: str, attribution: str) -> None:
    assert strip_quoted(f"{own}\n\n{attribution}\n> Notre infolettre\n") == own
    assert strip_quoted(f"{own}\n{attribution}\n> Notre infolettre\n") == own


def test_inline_quotes_go_and_the_answers_between_them_stay() -> None:
    text = "> Ouvert le 24?\nOui, jusqu'à 14 h.\n> Et le 26?\nFermé.\n\n-- \nJulie\n514-555-0100"
    assert strip_quoted(text) == "Oui, jusqu'à 14 h.\nFermé."


@pytest.mark.parametrize("closing", ["-- ", "--", "Sent from my iPhone", "Envoyé de mon iPhone"])
def test_signatures_and_device_lines_are_cut(closing: str) -> None:
    assert strip_quoted(f"Super bon!\n{closing}\nMarc") == "Super bon!"


def test_ordinary_words_that_look_like_markers_are_kept() -> None:
    text = "Le gâteau était parfait.\nOn revient dimanche -- promis.\nDe : rien, merci à vous!"
    assert strip_quoted(text) == text


def test_a_message_that_is_all_quote_keeps_its_text() -> None:
    assert strip_quoted("> seulement une citation") == "> seulement une citation"


def test_html_blockquotes_read_as_quotes_and_markup_never_survives() -> None:
    text = text_of_html("<p>Oui<br>merci</p><blockquote><p>vieux texte</p></blockquote><style>x{}</style>")
    assert text == "Oui\nmerci\n\n> vieux texte"
    assert strip_quoted(text) == "Oui\nmerci"


def test_charset_fallbacks() -> None:
    assert decode_bytes("été".encode("cp1252"), "utf-8") == ("été", "text is not valid utf-8; read as windows-1252")
    assert decode_bytes("été".encode(), "x-unknown")[0] == "été"
    assert decode_bytes(b"plain", None) == ("plain", None)


def test_dates_in_other_zones_are_aware_and_equal_to_utc() -> None:
    raw = b"From: a@b.c\r\nMessage-ID: <z@b.c>\r\nDate: Tue, 18 Nov 2026 10:02:00 -0500\r\n\r\nallo\r\n"
    item = imap.parse(raw)[0]
    assert item.created_at.utcoffset() == timedelta(hours=-5)
    assert item.created_at == datetime(2026, 11, 18, 15, 2, tzinfo=UTC)


def test_hostile_bytes_are_items_or_a_clear_refusal() -> None:
    rng = random.Random(7)
    seeds = [p.read_bytes() for p in FIXTURES.glob("*.eml")]
    for _ in range(1000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 30)):  # flip, drop and duplicate bytes at random
            pos = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.4:
                data[pos] = rng.randrange(256)
            elif roll < 0.7:
                del data[pos]
            else:
                data[pos:pos] = data[pos : pos + rng.randint(1, 40)]
        try:
            items = imap.parse(bytes(data))
        except ValueError:
            continue
        assert all(isinstance(i.external_id, str) and i.external_id for i in items)
        assert all(i.created_at is None or i.created_at.tzinfo is not None for i in items)


def test_jasette_parse_prints_each_reply_or_one_plain_line(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    parse_cli.add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    status = parse_cli.run(parser.parse_args(["imap", str(FIXTURES / "newsletter_replies.mbox")]), out, err)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (status, err.getvalue()) == (0, "")
    assert [(r["platform"], r["kind"], r["author_handle"]) for r in records] == [
        ("imap", "message", "sam.obrien@example.com"), ("imap", "message", "zoe@example.com")
    ]
    out, err = io.StringIO(), io.StringIO()
    status = parse_cli.run(parser.parse_args(["imap", str(FIXTURES / "not_mail.json")]), out, err)
    assert status == 2 and out.getvalue() == "" and len(err.getvalue().splitlines()) == 1
