"""Spam and scam detection: follower sellers, casino and crypto links, fake contest wins, in FR and EN.

A comment is spam when its markers add up past a threshold; a link or a handle to contact
raises the stakes, since selling and phishing need one. Spam is flagged and ranked last.
"""

from __future__ import annotations

import re

from .text import URL_RE, fold_accents

# (pattern on accent-less lower-case text, weight). One strong marker suffices; weak ones need company.
_MARKERS: tuple[tuple[re.Pattern[str], float, str], ...] = tuple(
    (re.compile(p), w, name)
    for p, w, name in (
        (r"\b(?:casino|jackpot|slots?|betting|paris sportifs|poker en ligne|online poker)\b", 0.6, "casino"),
        (
            r"\b(?:dm|message|inbox|ecris|texte)[- ]?(?:me|moi)?\b.{0,20}\b(?:followers?|abonnes|likes|promo(?:tion)?)\b",
            1.0,
            "followers",
        ),
        (
            r"\b(?:free|cheap|buy|gain|get|more|real)\s+(?:\d+k?\s+)?(?:followers|likes|views|subscribers)\b",
            1.0,
            "followers",
        ),
        (
            r"\b(?:abonnes|likes|vues)\s+(?:gratuits|pas chers|reels)\b|\bacheter des (?:abonnes|likes)\b",
            1.0,
            "followers",
        ),
        (r"\bpromote (?:it|your|this)\b|\bpromotion (?:de votre|pour votre) (?:page|compte)\b", 0.7, "promotion"),
        (
            r"\b(?:you(?:'ve| have)? (?:won|been selected)|you are (?:our|the) (?:lucky )?winner|claim your (?:prize|reward|gift))\b",
            1.0,
            "fake_win",
        ),
        (
            r"\b(?:vous avez (?:gagne|ete selectionne)|tu as gagne|reclamez votre (?:prix|cadeau)|gagnant(?:e)? de notre concours)\b",
            1.0,
            "fake_win",
        ),
        (
            r"\b(?:gift ?card|carte[- ]cadeau)\b.{0,30}\b(?:free|gratuite?|claim|reclamez|click|cliquez)\b",
            0.8,
            "fake_win",
        ),
        (
            r"\b(?:bitcoin|crypto(?:currency)?|forex|binary options?|nft drop|investment opportunity|double your money|doublez votre argent)\b",
            0.6,
            "crypto",
        ),
        (r"\b(?:onlyfans|hot singles|sexy singles|xxx|nudes|rencontres? coquines?)\b", 1.0, "adult"),
        (
            r"\b(?:check|visit|see) (?:my|our) (?:profile|bio|page)\b|\blink in (?:my )?bio\b|\blien dans (?:ma|la) bio\b|\bvoir mon profil\b",
            0.6,
            "profile_bait",
        ),
        (r"\b(?:click|cliquez|clique) (?:here|ici|the link|sur le lien)\b", 0.6, "click_bait"),
        (r"\bwhats ?app\b.{0,15}\+?\d[\d \-]{7,}", 0.8, "contact"),
        (r"\b(?:work from home|make \$?\d+ (?:a|per) (?:day|week)|travail a domicile|gagnez \$?\d+)\b", 0.8, "money"),
    )
)
# Markers added for issue 14, each tried only when one of its cheap substrings is in the text:
# combined into the one-pass filter below they cost 40 us a comment (digits and ".{0,25}" are
# tried at every position), gated they cost a few us.
_GATED: tuple[tuple[tuple[str, ...], re.Pattern[str], float, str], ...] = tuple(
    (gates, re.compile(p), w, name)
    for gates, p, w, name in (
        # Get-rich figures: "3000$/semaine", "500$ par jour garanti", "earn $5000 in 7 days".
        (
            ("$", "earn", "make ", "gagne", "invest"),
            r"\d[\d ,.]*\s?\$\s?(?:/|par |a la |per |a )\s?(?:jour|semaine|mois|day|week|month)\b"
            r"|\$\d[\d,.]*\s?(?:/|per |a )\s?(?:day|week|month)\b"
            r"|\b(?:earn|make|gagne[rz]?) \$?\d[\d,.]*\$? (?:in|en) \d+ (?:days?|jours?|weeks?|semaines?)\b"
            r"|\b(?:invest|investis(?:sez)?) \$?\d",
            0.8,
            "money",
        ),
        (("argent", "money"), r"\b(?:gagnez|make|earn) (?:de l'argent|money) (?:rapidement|fast|quickly|from home|de la maison)\b", 0.8, "money"),
        # Followers for sale: "Besoin de 10 000 abonnés?", "5000 followers pour 20$", "boost ton Instagram".
        (
            ("abonn", "follower", "likes", "vues", "views", "boost"),
            r"\b\d[\d ,.]*k? (?:abonnes|followers|likes|vues|views)\b.{0,25}(?:\$|pour|for|fast|vite|rapide)"
            r"|\bbesoin de \d[\d ,.]*k? (?:abonnes|followers|likes)\b|\bboost(?:e|ez)? (?:ton|votre|your) (?:instagram|page|compte|account)\b"
            r"|\b(?:cheap|more) (?:likes|views|followers)\b",
            1.0,
            "followers",
        ),
        # Someone to contact in private: weak alone ("écris-moi" is also a customer's word), strong beside an offer.
        (
            ("dm ", "ecri", "contact", "envoie-moi", "message", "ask me", "telegram", "prive"),
            r"\b(?:dm (?:me|us)|ecris-moi|ecrivez-moi|contactez-moi|contacte-moi|envoie-moi un (?:dm|message)"
            r"|message (?:me|her|him)|ask me how|join my telegram|telegram|en prive)\b",
            0.4,
            "contact",
        ),
        (
            ("forex", "trading", "crypto", "bitcoin", "win rate"),
            r"\b(?:forex|trading|crypto|bitcoin)\b.{0,40}\b(?:win rate|signals?|mentor|profit|double)\b|\bwin rate\b",
            0.6,
            "crypto",
        ),
        # Phishing dressed as the platform: "votre page sera désactivée", "your page violates our community standards".
        (
            ("page", "account", "compte", "community", "appeal"),
            r"\b(?:your (?:page|account) (?:violates|has been (?:reported|flagged)|will be (?:deleted|disabled|suspended))"
            r"|community standards|appeal here|verify your account"
            r"|votre (?:page|compte) (?:a ete signale|sera (?:desactive|supprime|suspendu))|verifiez votre compte)",
            1.0,
            "phishing",
        ),
        (
            ("seo", "social media", "customers", "ambassad", "gagnez un", "win a "),
            r"\b(?:we do seo|seo (?:and|services?)|social media management|want more customers\?"
            r"|ambassadeurs? pour ma marque|ambassadors? for (?:my|our) brand|gagnez un (?:voyage|iphone)|win a (?:trip|free iphone))",
            0.8,
            "promotion",
        ),
    )
)
_THRESHOLD = 1.0
# Any gate at all, in one pass: most comments hold none, and then no marker of _GATED is tried.
_ANY_GATE = re.compile("|".join(re.escape(g) for gates, _, _, _ in _GATED for g in gates))
# One pass over the text decides whether any marker can be there (almost never): only then
# are the markers tried one by one.
_ANY = re.compile("|".join(f"(?:{p.pattern})" for p, _, _ in _MARKERS))


def check(text: str, lowered: str | None = None) -> tuple[bool, list[str]]:
    """Return (is spam, names of the markers found) for cleaned comment text (lowered: text.lower(), if known)."""
    lowered = fold_accents(text.lower() if lowered is None else lowered)
    gated = (
        [(p, w, name) for gates, p, w, name in _GATED if any(g in lowered for g in gates)]
        if _ANY_GATE.search(lowered)
        else []
    )
    if not gated and not _ANY.search(lowered):
        return False, []
    score = 0.0
    found: list[str] = []
    for pattern, weight, name in (*_MARKERS, *gated):
        if pattern.search(lowered):
            score += weight
            if name not in found:
                found.append(name)
    if found and URL_RE.search(text):
        score += 0.5
        found.append("link")
    return score >= _THRESHOLD, found
