"""Server-side request forgery: an owner's addresses (API address, feed, redirects, IMAP/SMTP, alert
webhook) cannot make the server reach loopback, private or metadata addresses unless the
administrator allows them in JASETTE_ALLOWED_HOSTS; refusals read the same, whatever listens there."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from alerting import configure
from collecting import on_loopback
from receivers import WebhookReceiver, free_port

from collector.base import Account, FetchFailed, Refused
from collector.imap import ImapCollector
from collector.rss import RssCollector
from collector.wire import request
from emulators import rss as feeds
from emulators.base import serve
from emulators.control import EmulatorControl
from emulators.imap import ImapEmulator, demo_account
from inbox import netguard
from inbox.alerts.delivery import deliver_due
from inbox.alerts.store import load_brand, raise_test_alert
from inbox.sealed import origin
from inbox.smtp import SmtpConfig
from jasette.demo import demo_settings
from web.settings import SettingError, Settings


class Internal:
    """A service inside the network (think PostgreSQL or a metadata endpoint) that counts visitors."""

    def __init__(self) -> None:
        self.hits = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        return web.Response(text="secret")


@pytest.fixture
async def internal() -> AsyncIterator[tuple[Internal, str]]:
    service = Internal()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", service.handle)
    runner, url = await serve(app)
    yield service, url
    await runner.cleanup()


async def make_test_alert(pool, brand_id: int) -> None:
    async with pool.acquire() as conn:
        await raise_test_alert(conn, await load_brand(conn, brand_id), await conn.fetchval("select now()"))


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def rss_account(base: str, external_id: str = feeds.ALERTS_PATH) -> Account:
    return Account(id=1, platform="rss", external_id=external_id, base_url=base, credentials={}, settings={})


async def test_a_feed_redirecting_inside_the_network_is_refused_before_connecting(internal) -> None:
    service, inside = internal
    app = web.Application()

    async def hop(request: web.Request) -> web.Response:
        raise web.HTTPFound(location=f"{inside}/admin")

    app.router.add_get("/feed", hop)
    runner, outside = await serve(app)
    # The administrator allowed the feed's own host:port (as for a feed on the LAN), nothing else.
    policy = netguard.Policy.parse(f"127.0.0.1:{port_of(outside)}")
    try:
        async with netguard.client_session(policy) as session:
            with pytest.raises(FetchFailed) as caught:
                await RssCollector(rss_account(outside, "/feed"), session).fetch({})
    finally:
        await runner.cleanup()
    assert service.hits == 0
    assert str(caught.value).endswith(": address not allowed")
    assert str(port_of(inside)) not in str(caught.value)


async def test_an_allowed_feed_host_is_read_through_the_guard() -> None:
    async with on_loopback(feeds.RssEmulator()) as (emulator, base):
        emulator.inject({"kind": "entry", "text": "Le café est cité", "site": "journal.example"})
        async with netguard.client_session(netguard.Policy.parse(f"127.0.0.1:{port_of(base)}")) as session:
            batch = await RssCollector(rss_account(base), session).fetch({})
    assert len(batch.items) == 1


async def test_an_absolute_url_in_the_feed_id_does_not_replace_the_api_address(internal, session) -> None:
    service, inside = internal
    async with on_loopback(feeds.RssEmulator()) as (_, base):
        with pytest.raises(Refused):
            await RssCollector(rss_account(base, f"{inside}/admin"), session).fetch({})
        with pytest.raises(Refused):
            await RssCollector(rss_account(base, "//127.0.0.1:5432/"), session).fetch({})
        same_site = await RssCollector(rss_account(base, f"{base}{feeds.ALERTS_PATH}"), session).fetch({})
    assert service.hits == 0 and same_site.items == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "127.1", "2130706433"])
async def test_loopback_in_any_spelling_is_refused_listening_or_not(internal, host) -> None:
    service, inside = internal
    closed = free_port()
    errors = []
    async with netguard.client_session(netguard.Policy()) as session:
        for port in (port_of(inside), closed):
            with pytest.raises(FetchFailed) as caught:
                await request(session, "GET", f"http://{host}:{port}/")
            errors.append(str(caught.value).replace(str(port), "PORT"))
    assert service.hits == 0
    assert errors[0] == errors[1]  # an open and a closed port read the same: no port scanner


@pytest.mark.parametrize("address", [
    "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1",
    "240.0.0.1", "::", "fe80::1", "fd00:ec2::254", "ff02::1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe",
    "2002:a9fe:a9fe::1",
])
def test_private_link_local_cgnat_multicast_reserved_and_metadata_are_not_public(address) -> None:
    assert not netguard.is_public(ipaddress.ip_address(address))
    assert not netguard.Policy().allows("example.com", ipaddress.ip_address(address), 80)


def test_public_addresses_pass_and_one_private_answer_refuses_the_name() -> None:
    assert netguard.check(netguard.Policy(), "example.com", 443, ["93.184.215.14", "2606:2800:21f:cb07::1"])
    # A name answering a public and a private address (rebinding's first step) is refused whole.
    with pytest.raises(netguard.AddressNotAllowed):
        netguard.check(netguard.Policy(), "rebind.example", 443, ["93.184.215.14", "127.0.0.1"])
    policy = netguard.Policy.parse("imap.lan:993, 10.0.0.0/8, [fd00::1]:8443")
    assert policy.allows("imap.lan", ipaddress.ip_address("192.168.0.9"), 993)
    assert not policy.allows("imap.lan", ipaddress.ip_address("192.168.0.9"), 22)
    assert policy.allows("x", ipaddress.ip_address("10.9.8.7"), 5432)
    assert policy.allows("x", ipaddress.ip_address("fd00::1"), 8443)


def test_the_setting_is_checked_and_the_demo_allows_its_emulators_through_it() -> None:
    with pytest.raises(SettingError, match="JASETTE_ALLOWED_HOSTS"):
        Settings.from_env({"JASETTE_ALLOWED_HOSTS": "10.0.0.0/99"})
    with pytest.raises(SettingError, match="JASETTE_ALLOWED_HOSTS"):
        Settings.from_env({"JASETTE_ALLOWED_HOSTS": "host:port"})
    assert Settings.from_env({}).policy == netguard.Policy()
    demo = demo_settings(Settings.from_env({"JASETTE_SECRET_KEY": "k"}))
    assert demo.policy.allows("127.0.0.1", ipaddress.ip_address("127.0.0.1"), 8123)


async def test_imap_and_smtp_hosts_inside_the_network_are_refused(session) -> None:
    emulator = ImapEmulator()
    app = emulator.create_app()
    runner, base = await serve(app)
    control = EmulatorControl(session, base)
    try:
        parent = await control.inject(text="Question?", author_handle="q@example.ca")
        acct = demo_account(app)
        account = Account(id=1, platform="imap", external_id=acct["external_id"], base_url=acct["base_url"],
                          credentials=dict(acct["credentials"]), settings=dict(acct["settings"]))
        async with netguard.client_session(netguard.Policy()) as guarded:
            collector = ImapCollector(account, guarded)
            with pytest.raises(FetchFailed, match="address not allowed"):
                await collector.fetch({})
            with pytest.raises(FetchFailed, match="address not allowed"):
                await collector.reply(parent, "Oui!", "key-1")
    finally:
        await runner.cleanup()
    assert emulator.sent.messages == []


async def test_alert_webhook_inside_the_network_reads_the_same_open_or_closed(pool, brand) -> None:
    errors = []
    async with WebhookReceiver() as hook:
        for url in (hook.url, f"http://127.0.0.1:{free_port()}/hook", "http://169.254.169.254/latest/meta-data/"):
            await configure(pool, brand["brand_id"], webhook_url=url)
            await make_test_alert(pool, brand["brand_id"])
            async with netguard.client_session(netguard.Policy()) as session:
                outcomes = await deliver_due(pool, smtp=SmtpConfig(), base_url="http://x",
                                             now=await pool.fetchval("select now() + interval '1 day'"), session=session)
            [error] = [o.error for o in outcomes if o.channel == "webhook"]
            errors.append((error or "").replace(origin(url), "URL"))
    assert hook.requests == []
    assert errors == ["webhook URL: address not allowed"] * 3


async def test_an_allowed_webhook_host_still_receives_alerts(pool, brand) -> None:
    async with WebhookReceiver() as hook:
        await configure(pool, brand["brand_id"], webhook_url=hook.url)
        await make_test_alert(pool, brand["brand_id"])
        async with netguard.client_session(netguard.Policy.parse(f"127.0.0.1:{hook.port}")) as session:
            outcomes = await deliver_due(pool, smtp=SmtpConfig(), base_url="http://x",
                                         now=await pool.fetchval("select now() + interval '1 day'"), session=session)
    assert [o.ok for o in outcomes if o.channel == "webhook"] == [True] and len(hook.requests) == 1

