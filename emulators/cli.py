"""One platform's emulator on its own: `python -m emulators PLATFORM --port N` (or `jasette emulator`).

For trying a collector against a platform by hand, or driving faults from outside (curl the
control API). It prints the base URL and the demo account that connects to it (and, for a platform
with OAuth, the app credentials its consent page and token endpoint accept), then serves until
Ctrl+C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from emulators import catalog
from emulators.base import serve


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator command's arguments."""
    parser.add_argument("platform", help=f"one of: {', '.join(catalog.PLATFORMS)}")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    parser.add_argument("--token", default="demo-token",
                        help="access token the emulator accepts (default demo-token, the one the printed account carries)")
    parser.add_argument("--client-id", help="OAuth app client id (default demo-PLATFORM-client; OAuth platforms only)")
    parser.add_argument("--client-secret", help="OAuth app client secret, also the webhook signing secret "
                                                "(default demo-PLATFORM-secret)")
    parser.add_argument("--webhook-url", help="Facebook, Instagram: where subscribed changes are POSTed")
    parser.add_argument("--oauth-flavour", choices=("google", "microsoft"),
                        help="imap: whose OAuth server and XOAUTH2 refusals the mail emulator imitates (default google: Gmail)")


async def _serve(args: argparse.Namespace) -> None:
    options: dict[str, str] = {}
    if args.platform in catalog.OAUTH_PLATFORMS:
        given = {"client_id": args.client_id, "client_secret": args.client_secret}
        if args.platform in ("facebook", "instagram"):
            given["webhook_url"] = args.webhook_url
        options = {k: v for k, v in given.items() if v}
    if args.oauth_flavour:
        options["oauth_flavour"] = args.oauth_flavour
    app = catalog.create_app(args.platform, token=args.token, **options)
    runner, url = await serve(app, args.host, args.port)
    try:
        # Signals are ours before the address is printed: whoever reads it may stop us at once.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        account = catalog.demo_account(args.platform, app)
        account.setdefault("base_url", url)
        print(f"{args.platform} emulator at {url} (control API under {url}/_control/)", flush=True)
        print("account: " + json.dumps(account, ensure_ascii=False), flush=True)
        if args.platform in catalog.OAUTH_PLATFORMS:
            client_id, secret = catalog.oauth_clients()[args.platform]
            print("oauth: " + json.dumps({"client_id": args.client_id or client_id,
                                          "client_secret": args.client_secret or secret}), flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; 2 with one line for an unknown platform or a busy port."""
    if args.platform not in catalog.PLATFORMS:
        print(f"emulator: unknown platform {args.platform!r} (known: {', '.join(catalog.PLATFORMS)})", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(args))
    except OSError as exc:
        print(f"emulator: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m emulators`."""
    parser = argparse.ArgumentParser(prog="python -m emulators", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))
