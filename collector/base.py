"""The contract every platform collector fulfils, and the few errors that cross into the poller.

Collectors do HTTP and mapping only (house rule 2): the poller owns time, retries and state.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import aiohttp

from collector.clock import utcnow
from inbox.types import NewItem, WorkerAccount


class CollectorError(Exception):
    """Base of the errors a collector may raise to the poller or the outbox."""


class AuthFailed(CollectorError):
    """The token is expired, revoked or lacks a permission: stop and ask for re-authorisation."""


class RateLimited(CollectorError):
    """The platform asks us to slow down; retry_after is in seconds when the platform said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FetchFailed(CollectorError):
    """A transient failure (5xx, timeout, malformed body): retry later with backoff.

    `plain` says what went wrong in a shop owner's words when the collector knows better than
    "could not be reached" (the poller shows it as the account's health message).
    """

    def __init__(self, message: str, *, plain: str | None = None) -> None:
        super().__init__(message)
        self.plain = plain


class Refused(CollectorError):
    """The platform refused an action for good (e.g. X's 403 on unsolicited replies): never retry."""


class PermissionMissing(Refused):
    """The token lacks a permission for this one action (a reply or a hide without the write or
    moderate scope): the action fails with the platform's words, the account keeps polling."""


@dataclass(slots=True)
class Batch:
    """One page of items and the cursor to save with them, in the same transaction."""

    items: list[NewItem]
    cursor: dict[str, Any]
    more: bool = False  # another page is ready now: poll again without waiting
    # Usage the platform reported (e.g. Meta's X-App-Usage percent, YouTube quota units spent).
    usage: dict[str, Any] = field(default_factory=dict)
    # Problems met while mapping (malformed entries skipped), in plain words, for the log.
    problems: list[str] = field(default_factory=list)
    # The source shows only its newest entries and none it showed before is still listed: entries
    # may have scrolled off between two reads (a feed polled too rarely). Counted on the account.
    gap: bool = False


@dataclass(slots=True)
class SentReply:
    """The platform's id for a reply we posted."""

    external_id: str
    url: str | None = None


@dataclass(slots=True)
class Account:
    """What a collector needs of one platform connection (decrypted by the caller)."""

    id: int
    platform: str
    external_id: str  # page id, IG user id, X user id, channel id, org URN, site, location, feed
    base_url: str  # API root: the real platform's or a local emulator's
    credentials: dict[str, Any]
    settings: dict[str, Any]

    @classmethod
    def of(cls, row: WorkerAccount, credentials: dict[str, Any]) -> Account:
        """The connection an accounts row describes, with its credentials already opened."""
        return cls(
            id=row.id, platform=row.platform, external_id=row.external_id, base_url=row.base_url,
            credentials=credentials, settings=dict(row.settings or {}),
        )


@dataclass(frozen=True, slots=True)
class SettingField:
    """One setting an account of the platform reads, as the settings form offers it.

    Words are English; the web catalogue (web/locale) translates them. `advanced` fields sit
    under "Advanced": the defaults suit most businesses. An empty field means `default`.
    """

    key: str
    label: str
    hint: str = ""
    kind: str = "text"  # "text" or "int"
    default: str | int | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None  # a text value must match it whole
    max_length: int = 200
    advanced: bool = False


def lookback_field(default: int) -> SettingField:
    """The first-poll history setting most platforms share."""
    return SettingField("lookback_days", "Days of history on the first check", kind="int", default=default,
                        minimum=1, maximum=365, advanced=True,
                        hint="The first check brings back the comments of this many past days; later checks only bring new ones.")


class Collector(abc.ABC):
    """One platform: fetch a page of new items from a cursor; reply; hide.

    Subclasses set `platform`, `display_name`, `can_reply`, `can_hide` (and the URL settings when
    the account takes other than an http(s) API address) and override the methods they support.
    """

    platform: ClassVar[str] = ""
    # The name people read, in English; the web catalogue (web/locale) holds the French.
    display_name: ClassVar[str] = ""
    can_reply: ClassVar[bool] = False
    can_hide: ClassVar[bool] = False
    # URL schemes the account accepts, per field: its base_url and any URL-valued setting. The
    # settings page checks them, so a pasted javascript: or file: address is never stored.
    url_fields: ClassVar[Mapping[str, tuple[str, ...]]] = {"base_url": ("http", "https")}
    # Settings-page text in English (translated by the web catalogue): the label of each
    # URL-valued setting, and a hint on what the API address is for this platform.
    url_labels: ClassVar[Mapping[str, str]] = {}
    base_url_hint: ClassVar[str] = ""
    # The platform's own API root, used when the account's address is left empty; empty here
    # means the address is required (a WordPress site, a feed, a mail server).
    default_base_url: ClassVar[str] = ""
    # The other settings the collector reads from account.settings (SettingField), for the form.
    setting_fields: ClassVar[tuple[SettingField, ...]] = ()
    # The platform pushes deliveries (webhooks) routed by external_id alone: one platform account
    # then belongs to one brand, and a second brand naming it is refused at save (web/claims.py).
    receives_pushes: ClassVar[bool] = False

    def __init__(
        self, account: Account, session: aiohttp.ClientSession, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.account = account
        self.session = session
        # Cursors, lookback windows and daily limits depend on the time: tests inject it.
        self.clock = clock

    @abc.abstractmethod
    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        """Return the next page of items after `cursor` (an empty dict on the first poll)."""

    async def prove_access(self) -> bool | None:
        """Whether the credentials give access to the platform account named by external_id.

        Platforms that push deliveries (webhooks) override it: an account receives pushed items
        only once this said True, so naming another business's public id is not enough. None:
        nothing is pushed for this platform, a working poll is proof enough. AuthFailed when the
        platform refuses the credentials.
        """
        return None

    async def reply(self, parent_external_id: str, text: str, idempotency_key: str) -> SentReply:
        """Post `text` as the business in answer to the item `parent_external_id`."""
        raise Refused(f"{self.platform} does not take replies")

    async def file_reply(self, parent_external_id: str, text: str, idempotency_key: str, sent: SentReply) -> None:
        """The second step of a two-step send, after the platform accepted the reply (e-mail:
        file it in the Sent folder); the outbox records the acceptance first. Default: none."""
        return None

    async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str) -> SentReply | None:
        """Look on the platform for a reply we may already have posted (outcome unknown after a crash)."""
        return None

    async def hide(self, external_id: str, hidden: bool) -> None:
        """Hide (or unhide) a comment on the platform."""
        raise Refused(f"{self.platform} does not allow hiding comments")


def map_entries(raws: list[Any], mapper: Any, what: str, id_key: str) -> tuple[list[Any], list[str]]:
    """Map each raw entry of a page; one that cannot be read becomes a problem line, the rest flows."""
    mapped, problems = [], []
    for raw in raws:
        try:
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            mapped.append(mapper(raw))
        except (KeyError, TypeError, ValueError) as exc:
            ident = raw.get(id_key) if isinstance(raw, dict) else None
            problems.append(f"skipped {what} {ident!r}: {exc}")
    return mapped, problems
