"""Shared value types of the inbox store: what collectors hand over, what ingest returns, and
the rows workers lease (accounts to poll, replies to send)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Kinds of items a platform can bring in; the schema checks the same list.
KINDS = ("comment", "reply", "mention", "review", "message", "post")


@dataclass(slots=True)
class Author:
    """A person or page as one platform knows them."""

    external_id: str
    name: str = ""
    handle: str = ""
    followers: int | None = None
    url: str | None = None
    avatar_url: str | None = None


@dataclass(slots=True)
class Analysis:
    """What the NLP stage concluded about an item's text."""

    lang: str = "und"
    lang_confidence: float = 0.0
    sentiment: str = "neutral"
    polarity: float = 0.0
    priority: int = 0
    reasons: list[str] = field(default_factory=list)
    spam: bool = False


@dataclass(slots=True)
class NewItem:
    """One normalised comment, mention, review... as a collector maps it from its platform."""

    platform: str
    external_id: str
    kind: str
    body: str
    created_at: datetime | None
    author: Author | None = None
    parent_external_id: str | None = None
    thread_external_id: str | None = None
    url: str | None = None
    deleted: bool = False
    # The business's own account wrote it (our replies seen on the next poll).
    from_business: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
    analysis: Analysis | None = None


@dataclass(slots=True)
class Rejected:
    """An input item ingest refused or changed, and the reason in plain words."""

    external_id: str | None
    reason: str
    stored: bool  # True when the item was normalised and stored anyway


@dataclass(slots=True)
class IngestResult:
    """Ids of items a batch created and changed, plus what it rejected or normalised."""

    new_ids: list[int] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)
    problems: list[Rejected] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WorkerAccount:
    """An account as a worker uses it: leased to poll, or loaded to send a reply through it."""

    id: int
    brand_id: int
    platform: str
    external_id: str
    base_url: str
    credentials: bytes | None  # sealed: the Vault opens them
    settings: dict[str, Any]
    cursor: dict[str, Any]
    poll_interval_seconds: int
    health: str  # ok, failing, reauth
    consecutive_failures: int
    # The brand's, for the NLP stage.
    expected_langs: list[str]
    response_target_minutes: int
    # True once the account proved access to the platform account it names (see collector.base).
    verified: bool = False
    # The number of the lease this row was taken under (migration 1840): the fencing token every
    # write of the poll carries, so a holder that lost the account writes nothing.
    lease_token: int = 0


@dataclass(frozen=True, slots=True)
class LeasedReply:
    """An outbox row a worker claimed to carry out (reply, hide or unhide)."""

    id: int
    brand_id: int
    item_id: int
    account_id: int | None  # None once the account was removed
    action: str  # reply, hide, unhide
    body: str
    idempotency_key: str
    state: str
    attempts: int  # counting this one
    error: str | None  # the last attempt's
    lease_until: datetime | None
    # The state before the claim: 'sending' means an earlier worker's outcome is unknown.
    was: str
    item_external_id: str
    # Set once the platform accepted the reply (step one of a two-step send): never send it again.
    delivered_at: datetime | None = None
    external_id: str | None = None
