"""What the IMAP emulator's UID SEARCH and UID FETCH share: UID sets and search keys (RFC 3501
sections 6.4.4 and 6.4.8) over stored messages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Searchable(Protocol):
    """What a search key reads of a stored message."""

    uid: int
    raw: bytes

    @property
    def internaldate(self) -> datetime: ...


def search_date(value: str) -> date:
    """The date of a SEARCH SINCE/BEFORE argument ("18-Nov-2026")."""
    day, month, year = value.split("-")
    return date(int(year), MONTHS.index(month.capitalize()) + 1, int(day))


def uid_set(spec: str, largest: int) -> Callable[[int], bool]:
    """A test for the UIDs of a sequence set ("1:5,9,12:*")."""
    # "*" is the largest UID in use, so "n:*" always includes the last message, even when
    # n is past it (RFC 3501 section 6.4.8): clients must filter, and the emulator must not.
    ranges = []
    for piece in spec.split(","):
        lo, _, hi = piece.partition(":")
        a = largest if lo == "*" else int(lo)
        b = a if not hi else (largest if hi == "*" else int(hi))
        ranges.append((min(a, b), max(a, b)))
    return lambda uid: any(lo <= uid <= hi for lo, hi in ranges)


def header_of(raw: bytes) -> bytes:
    """The header block of a raw message, with the blank line that ends it."""
    cut = raw.find(b"\r\n\r\n")
    return raw if cut < 0 else raw[: cut + 4]


def criterion(words: list[str], index: int, largest: int) -> tuple[Callable[[Searchable], bool], int]:
    """The search key at words[index] as a test, and the index of the next key (6.4.4)."""
    key = words[index].upper()
    if key == "ALL":
        return (lambda message: True), index + 1
    if key == "UID":
        uids = uid_set(words[index + 1], largest)
        return (lambda message: uids(message.uid)), index + 2
    if key in ("SINCE", "BEFORE"):
        day = search_date(words[index + 1])  # internal date, disregarding time and zone
        if key == "SINCE":
            return (lambda message: message.internaldate.date() >= day), index + 2
        return (lambda message: message.internaldate.date() < day), index + 2
    if key == "HEADER":
        name, value = words[index + 1], words[index + 2]
        return (lambda message: has_header(message.raw, name, value)), index + 3
    raise LookupError(key)


def has_header(raw: bytes, name: str, value: str) -> bool:
    # SEARCH HEADER is a case-insensitive substring match on the field's value (6.4.4).
    pattern = re.compile(rb"^" + re.escape(name.encode()) + rb":[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
    head = header_of(raw)
    return any(value.lower().encode() in match.group(1).lower() for match in pattern.finditer(head))
