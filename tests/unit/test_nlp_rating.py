"""A review's stars read with its text: a one-star review with no words is an unhappy customer
who needs an answer; five stars alone is praise; the text decides when there is text."""

from __future__ import annotations

from nlp.analysis import analyze
from nlp.rating import rated, stars
from nlp.types import Document


def read(text: str, rating: object, *, replied: bool = False):
    doc = Document(text=text, already_replied=replied, age_seconds=60.0)
    return rated(analyze(text, already_replied=replied, age_seconds=60.0), doc, rating)


def test_one_star_without_text_is_negative_and_needs_an_answer():
    one = read("", 1)
    assert one.sentiment == "negative" and "low_rating" in one.reasons
    written = analyze("Service lent, café froid, décevant.", age_seconds=60.0)
    assert one.priority >= written.priority  # no lower than a written complaint
    assert read("", None).sentiment == "neutral"  # what it was without the stars


def test_stars_alone_set_the_tone():
    assert read("", 5).sentiment == "positive" and read("", 4).sentiment == "positive"
    assert read("", 3).sentiment == "neutral" and "low_rating" not in read("", 3).reasons
    assert read("", 5).priority < read("", 3).priority < read("", 2).priority <= read("", 1).priority
    assert read("   ", 2).sentiment == "negative"


def test_text_keeps_its_reading_and_low_stars_still_count():
    praise = read("Meilleur café à Montréal, merci!", 5)
    assert praise.sentiment == "positive" and "low_rating" not in praise.reasons
    plain = read("ok", 1)
    assert "low_rating" in plain.reasons and plain.priority > read("ok", None).priority


def test_answered_reviews_and_bad_ratings():
    assert "low_rating" not in read("", 1, replied=True).reasons
    for bad in (0, 6, "FIVE", None, True, 2.5, "x"):
        assert stars(bad) is None
    assert stars("4") == 4 and stars(1) == 1
