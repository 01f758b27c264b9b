"""Language identification: langdetect's own profiles scored exactly, lingua for the shortest texts.

langdetect's `detect` samples n-grams at random (1.2-2 ms a short text, and a different answer
per run unless seeded). Here the Wikipedia n-gram profiles that ship with langdetect are scored
deterministically over every 3-gram of the cleaned text (the naive Bayes model langdetect
approximates), restricted to the brand's expected languages plus a few look-alikes, with a prior
that favours the expected ones. Under 30 letters, where 3-gram statistics guess poorly, lingua's
1- to 5-gram models decide (with the same candidates and prior), and French and English function
words settle a close call between those two. On shared/eval/langid_dev.csv: tweets 0.995, word
pairs 0.879, sentences 0.977, ~70 us a text, against 0.992 / 0.704 / 0.970 and ~2,400 us for
seeded, restricted langdetect (`detect_langdetect`, kept for comparison in `nlp.evaluate`).
Non-Latin scripts are decided by script alone: no profile is needed to tell Arabic from French.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from functools import cache, lru_cache

from .text import for_language

# Latin-script languages scored besides the expected ones: the ones Quebec businesses hear from
# (es, pt, it, de) and the look-alikes that otherwise get mistaken for them (ca, nl, ro).
OTHER_LANGS: tuple[str, ...] = ("es", "pt", "it", "de", "nl", "ca", "ro")
# Share of prior mass given to the expected languages: a brand's own languages are far likelier.
EXPECTED_PRIOR = 0.4
# langdetect's smoothing: each n-gram multiplies by (alpha / BASE_FREQ + p).
_SMOOTH = 0.5 / 10000
# Past this many letters the verdict no longer changes; stop paying for n-grams.
_MAX_LETTERS = 160
# Below this many letters langdetect's 3-gram profiles guess poorly (word pairs: 0.72 against
# lingua's 0.88 on langid_dev); lingua's 1- to 5-gram models take those texts when installed.
SHORT_LETTERS = 30
# Names are left out only when this many characters remain: "Merci Karim" keeps its words.
# Measured on langid_dev and the demo's comments: 12 and 20 gave the same demo figure, 20 the
# better sentences (0.9782 against 0.9771).
_NAMES_MIN_CHARS = 20
GRAM_SIZES = (3,)

_SCRIPT_LANGS = (
    ("ARABIC", "ar"),
    ("CYRILLIC", "ru"),
    ("GREEK", "el"),
    ("HEBREW", "he"),
    ("HANGUL", "ko"),
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("CJK", "zh"),
    ("THAI", "th"),
    ("DEVANAGARI", "hi"),
    ("ARMENIAN", "hy"),
    ("GEORGIAN", "ka"),
    ("BENGALI", "bn"),
    ("TAMIL", "ta"),
    ("GURMUKHI", "pa"),
)


def _profile_dir() -> str:
    import langdetect

    return os.path.join(os.path.dirname(langdetect.__file__), "profiles")


@cache
def _profile(lang: str) -> dict[str, float]:
    """Return log(p + smoothing) per n-gram for one language, case folded."""
    with open(os.path.join(_profile_dir(), lang), encoding="utf-8") as fh:
        data = json.load(fh)
    totals = data["n_words"]
    merged: dict[str, float] = {}
    for gram, count in data["freq"].items():
        key = gram.lower()
        merged[key] = merged.get(key, 0.0) + count / totals[len(gram) - 1]
    return {g: math.log(p + _SMOOTH) for g, p in merged.items()}


def load(expected: tuple[str, ...] = ("fr", "en")) -> None:
    """Load the models for expected languages now (once per process), so no comment pays for it."""
    langs = candidates(expected)
    _table(langs)
    _lingua(langs)
    _py3langid(langs)


def _grams(text: str, sizes: tuple[int, ...] = (1, 2, 3)) -> list[str]:
    """Return the n-grams of text the way langdetect cuts them (space-padded words)."""
    grams: list[str] = []
    padded = " " + text.lower().replace(" ", "  ") + " "
    # Words padded on both sides, joined by double spaces: an n-gram never spans two words
    # once those holding "  " are dropped, and one pass replaces a loop per word.
    for n in sizes:
        grams += [g for g in (padded[i : i + n] for i in range(len(padded) - n + 1)) if "  " not in g and g.strip()]
    return grams


def _script_lang(text: str) -> str | None:
    """Return the language implied by a non-Latin script when it dominates the letters."""
    if not text or max(text) < "\u0250":
        return None  # all Latin: the common case, decided at C speed
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    latin = sum(1 for c in letters if c < "\u0250")
    if latin * 2 >= len(letters):
        return None
    counts: dict[str, int] = {}
    for c in letters:
        if c < "\u0250":
            continue
        name = unicodedata.name(c, "")
        for script, lang in _SCRIPT_LANGS:
            if name.startswith(script):
                counts[lang] = counts.get(lang, 0) + 1
                break
    if not counts:
        return "und"
    return max(sorted(counts), key=counts.__getitem__)


@cache
def _known() -> frozenset[str]:
    return frozenset(os.listdir(_profile_dir()))


@lru_cache(maxsize=64)
def candidates(expected: tuple[str, ...]) -> tuple[str, ...]:
    """Return expected languages followed by the others scored beside them, without repeats."""
    known = _known()
    out = [lang for lang in expected if lang in known]
    out += [lang for lang in OTHER_LANGS if lang not in out]
    return tuple(out)


# A capitalised word after another word: the only texts without_names can change.
_MID_CAPITAL = re.compile(r"\S\s+[A-ZÀ-ÖØ-Þ]")
_SENTENCE_END = re.compile(r"(?<=[.!?:;…])\s+|\n+")


def without_names(text: str) -> str:
    """Return text without its capitalised words inside sentences: mostly names of places and
    businesses, which in Quebec are French whatever the comment's language ("Five stars. Café
    Saint-Laurent never disappoints" read as French). "I", "I'm" and sentence starts stay."""
    kept = []
    for sentence in _SENTENCE_END.split(text):
        for k, word in enumerate(sentence.split()):
            if k and len(word) > 1 and word[0].isupper() and not word.startswith(("I'", "I’")):
                continue
            kept.append(word)
    return " ".join(kept)


# Which model reads texts of SHORT_LETTERS letters or more: py3langid (langid.py's bundled model,
# restricted to the same candidates, same prior) up to PY3LANGID_UNDER letters, langdetect's
# profiles scored exactly ("nb", above) from there. On langid_dev's long texts py3langid is right
# more often at 30-59 letters (0.9869 against 0.9773) and as often beyond (0.9963 / 0.9957 at
# 60-119, 0.9952 / 0.9944 at 120+: three texts in 6,379), for 25-50 us more CPU a text, so it
# reads only where it helps (nlp/README.md, "py3langid for long texts").
PY3LANGID_UNDER = 60
LONG_DETECTORS = ("nb", "py3langid")


def detect(text: str, expected: tuple[str, ...] = ("fr", "en"), *, long_detector: str | None = None) -> tuple[str, float]:
    """Return (ISO 639-1 code or "und", confidence 0..1) for text, favouring expected languages.

    long_detector: "nb" or "py3langid" for every text of SHORT_LETTERS letters or more (for
    measuring); by default py3langid under PY3LANGID_UNDER letters and "nb" from there. The name
    and look-alike fixes hold with either."""
    words = for_language(text)
    if _MID_CAPITAL.search(text):
        plain = for_language(without_names(text))
        if len(plain) >= _NAMES_MIN_CHARS:
            words = plain
    letters = len(words) - words.count(" ") - words.count("'") - words.count("-")
    if letters < 3:
        return "und", 0.0  # "ok", "lol"-short: no language to speak of
    script = _script_lang(words)
    if script is not None:
        return script, (0.0 if script == "und" else 0.99)
    if len(words) > _MAX_LETTERS:
        words = words[:_MAX_LETTERS].rsplit(" ", 1)[0]
    langs = candidates(expected)
    priors = _priors(langs, expected)
    if letters < SHORT_LETTERS:
        scored = _lingua_posteriors(words, langs)
        lang, confidence = (
            _best(scored, priors) if scored is not None else _best(_nb_posteriors(words, langs, priors), None)
        )
        return _by_function_words(words, expected, lang, confidence)
    chosen = long_detector or ("py3langid" if letters < PY3LANGID_UNDER else "nb")
    long_scored = _py3langid_posteriors(words, langs) if chosen == "py3langid" else None
    if long_scored is not None:
        lang, confidence = _best(long_scored, priors)
    else:
        lang, confidence = _best(_nb_posteriors(words, langs, priors), None)
    if lang not in expected:
        return _expected_by_own_words(words, expected, lang, confidence)
    return lang, confidence


# Words of French or English that Catalan, Spanish, Italian and Portuguese do not write: "J'ai
# essayé la peinture samedi passé: malade! Continuez comme ça." scored as Catalan.
_OWN_WORDS = {
    "fr": frozenset(
        "je j'ai c'est ça vous nous avec pour dans chez était très ben pis oui merci bonjour aussi "
        "votre vos notre".split()
    ),
    "en": frozenset("the and are were you they this that with it's i'm don't thanks".split()),
}


def _expected_by_own_words(words: str, expected: tuple[str, ...], lang: str, confidence: float) -> tuple[str, float]:
    """Return an expected language (French, English) that at least two of its own words vouch for."""
    tokens = words.lower().split()
    hits = {code: sum(1 for t in tokens if t in _OWN_WORDS[code]) for code in expected if code in _OWN_WORDS}
    best = max(hits, key=hits.__getitem__, default=None)
    if best is not None and hits[best] >= 2 and list(hits.values()).count(hits[best]) == 1:
        return best, round(min(0.9, 0.5 + 0.1 * hits[best]), 4)
    return lang, confidence


# Words that only one of French and English uses, function words first, then Quebec French and
# English fillers: on a five-word comment they outvote character statistics, which read
# "Service full lent ce matin" as English.
_MARKERS = {
    "fr": frozenset(
        "le la les un une des du de et est sont je tu il elle nous vous ils elles ce cette ces mon ma mes "
        "ton ta tes son sa ses leur pas ne très trop avec pour dans sur chez mais ou où qui que quoi était "
        "c'est j'ai ça ben pis chu faque icitte pantoute tiguidou plate poche niaiseux merci bonjour bonsoir "
        "allo oui non svp".split()
    ),
    # Not "a" nor "on": both are French words too.
    "en": frozenset(
        "the an and is are was were i you he she we they this that these those my your his her our their "
        "not no very too with for in at but or who what which it's i'm don't can't thanks thank please "
        "hello hi yes".split()
    ),
}


def _by_function_words(words: str, expected: tuple[str, ...], lang: str, confidence: float) -> tuple[str, float]:
    """Return (lang, confidence), switched to the other of fr/en when its own words clearly say so."""
    if lang not in _MARKERS or confidence >= 0.95 or not all(x in expected for x in _MARKERS):
        return lang, confidence
    tokens = words.lower().split()
    hits = {code: sum(1 for t in tokens if t in marks) for code, marks in _MARKERS.items()}
    other = "en" if lang == "fr" else "fr"
    if hits[other] > hits[lang]:
        return other, round(max(0.5, min(0.9, 0.5 + 0.1 * (hits[other] - hits[lang]))), 4)
    if hits[lang] > hits[other]:
        return lang, round(max(confidence, min(0.9, 0.5 + 0.1 * (hits[lang] - hits[other]))), 4)
    return lang, confidence


@lru_cache(maxsize=64)
def _priors(langs: tuple[str, ...], expected: tuple[str, ...]) -> tuple[float, ...]:
    n_expected = sum(1 for lang in expected if lang in langs) or 1
    n_other = max(len(langs) - n_expected, 1)
    return tuple(
        EXPECTED_PRIOR / n_expected if i < n_expected else (1 - EXPECTED_PRIOR) / n_other for i in range(len(langs))
    )


def _best(posteriors: dict[str, float], priors: tuple[float, ...] | None) -> tuple[str, float]:
    """Return the most probable language and its probability, after priors when given."""
    if priors is not None:
        posteriors = {lang: p * priors[i] for i, (lang, p) in enumerate(posteriors.items())}
    total = sum(posteriors.values())
    if total <= 0:
        return "und", 0.0
    # Ties break on candidate order (expected languages first): deterministic across runs.
    lang = max(posteriors, key=posteriors.__getitem__)
    return lang, round(posteriors[lang] / total, 4)


def _nb_posteriors(words: str, langs: tuple[str, ...], priors: tuple[float, ...]) -> dict[str, float]:
    """Naive Bayes over langdetect's profiles: log prior plus the sum of log n-gram probabilities."""
    rows = _rows(words, langs) if GRAM_SIZES == (3,) else _rows_of_grams(words, langs)
    # zip(*rows) sums each language's column at C speed: one pass over the n-grams for all.
    sums = [sum(col) for col in zip(*rows)] if rows else [0.0] * len(langs)
    scores = [math.log(p) + s for p, s in zip(priors, sums)]
    top = max(scores)
    return {lang: math.exp(s - top) for lang, s in zip(langs, scores)}


def _rows_of_grams(words: str, langs: tuple[str, ...]) -> list[tuple[float, ...]]:
    table, floor_row = _table(langs)
    return [table.get(g, floor_row) for g in _grams(words, GRAM_SIZES)]


# Per candidate set: word -> its 3-grams' rows. Words repeat from comment to comment, so most are
# looked up once per process; bounded, since every typo is a new word.
_WORD_ROWS: dict[tuple[str, ...], dict[str, list[tuple[float, ...]]]] = {}
_WORD_ROWS_MAX = 50_000


def _rows(words: str, langs: tuple[str, ...]) -> list[tuple[float, ...]]:
    """Return _rows_of_grams(words, langs) for 3-grams, word by word: the same rows in the same order."""
    # words holds single spaces only (text.for_language), so the 3-grams of " w1  w2 " that hold
    # no double space are those of " w1 ", then of " w2 ": one word's never depend on another's.
    cache = _WORD_ROWS.get(langs)
    if cache is None or len(cache) > _WORD_ROWS_MAX:
        cache = _WORD_ROWS[langs] = {}
    rows: list[tuple[float, ...]] = []
    for word in words.lower().split(" "):
        found = cache.get(word)
        if found is None:
            table, floor_row = _table(langs)
            padded = f" {word} "
            found = cache[word] = [
                table.get(g, floor_row) for g in (padded[i : i + 3] for i in range(len(padded) - 2)) if g.strip()
            ]
        rows += found
    return rows


@lru_cache(maxsize=8)
def _table(langs: tuple[str, ...]) -> tuple[dict[str, tuple[float, ...]], tuple[float, ...]]:
    """Return n-gram -> log probabilities in langs order, and the row for an unseen n-gram."""
    floor = math.log(_SMOOTH)
    profiles = [_profile(lang) for lang in langs]
    grams = sorted(set().union(*profiles))
    return {g: tuple(p.get(g, floor) for p in profiles) for g in grams}, tuple(floor for _ in langs)


def _py3langid_posteriors(words: str, langs: tuple[str, ...]) -> dict[str, float] | None:
    """Return py3langid's probabilities over langs (in langs order), or None without py3langid."""
    identifier = _py3langid(langs)
    if identifier is None:
        return None
    ranked = dict(identifier.rank(words))
    return {lang: float(ranked.get(lang, 0.0)) for lang in langs}


@lru_cache(maxsize=8)
def _py3langid(langs: tuple[str, ...] | None):
    """py3langid's identifier restricted to langs (None: its 97 languages), probabilities normalised;
    None when the package is missing (the long texts then go to langdetect's profiles)."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if langs is not None:
        identifier.set_languages(list(langs))
    return identifier


# Short comments come back word for word ("Merci!", "Love it ❤️", a bot's same line under every
# post), and lingua is the costliest step for them (~90 us): its reading of the last few thousand
# distinct short texts is kept. Long texts rarely repeat; they are not kept.
@lru_cache(maxsize=4096)
def _lingua_posteriors(words: str, langs: tuple[str, ...]) -> dict[str, float] | None:
    """Return lingua's probabilities over langs (in langs order), or None without lingua; the dict is
    shared between calls with the same text: read it, never change it."""
    detector = _lingua(langs)
    if detector is None:
        return None
    codes = _lingua_codes()
    values = {codes[v.language]: v.value for v in detector.compute_language_confidence_values(words)}
    return {lang: values.get(lang, 0.0) for lang in langs}


@cache
def _lingua_codes() -> dict:
    """lingua's Language -> its ISO 639-1 code, lower case (read once, not per comment)."""
    import lingua

    return {language: language.iso_code_639_1.name.lower() for language in lingua.Language.all()}


@lru_cache(maxsize=8)
def _lingua(langs: tuple[str, ...]):
    try:
        import lingua
    except ImportError:
        return None
    # lingua spreads each text's n-gram orders over a thread pool the size of the machine; each pool
    # worker (nlp.pool) is already one process per core, and on 2 busy cores every hand-off to
    # those threads waited its turn (a short text took 2-9 times its CPU time in wall time). One
    # thread, set before lingua's pool starts. Its last bits differ from run to run either way
    # (measured: two runs with the default pool disagree too); 4-digit confidences do not move.
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    chosen = [lingua.Language.from_iso_code_639_1(getattr(lingua.IsoCode639_1, lang.upper())) for lang in langs]
    return lingua.LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models().build()


def detect_langdetect(text: str, expected: tuple[str, ...] = ("fr", "en")) -> tuple[str, float]:
    """Return (code, confidence) from langdetect itself: seeded, same clean-up, same candidates."""
    from langdetect.lang_detect_exception import LangDetectException

    words = for_language(text)
    if sum(1 for c in words if c.isalpha()) < 2:
        return "und", 0.0
    factory = _langdetect_factory()
    detector = factory.create()
    langs = candidates(expected)
    n_expected = sum(1 for lang in expected if lang in langs) or 1
    prior = {
        lang: (
            EXPECTED_PRIOR / n_expected if i < n_expected else (1 - EXPECTED_PRIOR) / max(len(langs) - n_expected, 1)
        )
        for i, lang in enumerate(langs)
    }
    detector.set_prior_map(prior)
    detector.append(words)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return "und", 0.0
    return best.lang, round(best.prob, 4)


@lru_cache(maxsize=1)
def _langdetect_factory():
    from langdetect.detector_factory import DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(_profile_dir())
    factory.set_seed(0)
    return factory
