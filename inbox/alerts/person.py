"""Alerts to one person of the team (an automation rule's "alert someone"): who they are, and
where their alert goes (their own e-mail address and the browsers they subscribed, nothing else).

Only a current member of the brand is ever a recipient: someone removed from the team gets
nothing, neither when the alert is raised nor when a queued delivery comes due.
"""

from __future__ import annotations

from dataclasses import dataclass

from inbox import push as push_store
from inbox.db import Conn


@dataclass(frozen=True, slots=True)
class Person:
    """A member of a brand an alert is addressed to."""

    id: int
    email: str
    name: str
    lang: str  # the language they chose for Jasette: their alert is written in it


async def team_member(conn: Conn, brand_id: int, user_id: int) -> Person | None:
    """The member `user_id` of the brand; None when they are not (or no longer) on its team."""
    row = await conn.fetchrow(
        "select u.id, u.email, coalesce(nullif(u.name, ''), u.email) as name, u.ui_lang from memberships m"
        " join users u on u.id = m.user_id where m.brand_id = $1 and m.user_id = $2", brand_id, user_id)
    return Person(row["id"], row["email"], row["name"], row["ui_lang"]) if row else None


async def targets(conn: Conn, person: Person, channels: list[str], *, push: bool) -> list[tuple[str, str]]:
    """The deliveries of an alert addressed to `person`: their browsers, their address."""
    found: list[tuple[str, str]] = []
    if push and "inapp" in channels:
        found += [("push", str(sub.id)) for sub in await push_store.user_subscriptions(conn, person.id)]
    if "email" in channels:
        found.append(("email", person.email))
    return found


def addressed_to(details: object) -> int | None:
    """The person an alert is addressed to (its details' `person`), None for the brand's channels."""
    person = details.get("person") if isinstance(details, dict) else None
    return person if isinstance(person, int) and not isinstance(person, bool) else None
