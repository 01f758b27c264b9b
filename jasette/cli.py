"""The `jasette` command: thin argument parsing over the runtime and each package's commands.

A user mistake ends in one clear line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from jasette.errors import explain


def _version() -> str:
    try:
        return version("jasette")
    except PackageNotFoundError:
        return "0+unknown"


def _add_server_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", help="address to listen on (default JASETTE_HOST or 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default JASETTE_PORT or 8000)")


def _example(text: str) -> str:
    return f"example:\n  {text}"


# Sub-commands another package owns: name -> (module, help, example). The module offers
# add_arguments(parser) and run(...), called by `_run_delegated` below.
_DELEGATED: dict[str, tuple[str, str, str]] = {
    "analyze": ("nlp.cli", "analyse JSON Lines from stdin (language, sentiment, priority)",
                "echo '{\"text\": \"Service super lent, je capote\"}' | jasette analyze"),
    "parse": ("collector.parse_cli", "map one raw platform response to items (JSON Lines)",
              "jasette parse facebook comments_page.json"),
    "summary": ("inbox.summary.cli", "print a brand's weekly summary",
                "jasette summary --brand cafe-du-plateau --week 2026-W47 --format json"),
    "brands": ("inbox.brands_cli", "brand commands (add a business, list them)",
               "jasette brands add cafe-du-plateau --name 'Café du Plateau' --lang fr --timezone America/Montreal"),
    "users": ("web.users_cli", "user commands (add someone to a brand, invite them by link, list them)",
              "printf '%s\\n' \"$PASSWORD\" | jasette users add marie@example.com --name 'Marie' --brand cafe-du-plateau --role owner"),
    "accounts": ("web.accounts_cli", "platform connections (add, list, change, poll now)",
                 "printf '%s' '{\"access_token\": \"...\"}' | jasette accounts add --brand cafe-du-plateau"
                 " --platform rss --name Blogue --external-id blogue --base-url https://blogue.example/feed"),
    "alerts": ("inbox.alerts.cli", "alert commands (send a test alert through every channel)",
               "jasette alerts test --brand cafe-du-plateau"),
    "secrets": ("inbox.secrets_cli", "stored secrets (reseal them all with the current key after a rotation)",
                "JASETTE_SECRET_KEY=new JASETTE_SECRET_KEY_PREVIOUS=old jasette secrets reseal"),
    "emulator": ("emulators.cli", "one platform's local emulator on its own (try a collector, drive faults)",
                 "jasette emulator youtube --port 9101"),
}


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, every sub-command with its help and an example."""
    parser = argparse.ArgumentParser(
        prog="jasette",
        description="Jasette: the bilingual social inbox for Quebec businesses.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_example("jasette demo"),
    )
    parser.add_argument("--version", action="version", version=f"jasette {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    raw = argparse.RawDescriptionHelpFormatter

    sub.add_parser("migrate", help="apply database migrations", formatter_class=raw,
                   epilog=_example("DATABASE_URL=postgresql://localhost/jasette jasette migrate"))
    p = sub.add_parser("run", help="web inbox and workers in one process", formatter_class=raw,
                       epilog=_example("JASETTE_SECRET_KEY=... jasette run --port 8000"))
    _add_server_options(p)
    p = sub.add_parser("web", help="the web inbox only (scale out: run several)", formatter_class=raw,
                       epilog=_example("JASETTE_SECRET_KEY=... DATABASE_URL=... jasette web --port 8001"))
    _add_server_options(p)
    p = sub.add_parser("worker", help="collectors, reply outbox and alerts (scale out: run several)",
                       formatter_class=raw, epilog=_example("JASETTE_SECRET_KEY=... DATABASE_URL=... jasette worker"))
    p.add_argument("--id", dest="worker_id", help="name of this worker in leases (default host-pid)")
    p = sub.add_parser("demo", help="the live inbox fed by local platform emulators", formatter_class=raw,
                       epilog=_example("jasette demo --port 8000 --admin-email moi@example.com"))
    _add_server_options(p)
    p.add_argument("--admin-email", default="admin@jasette.demo", help="demo admin e-mail")
    p.add_argument("--admin-password", default=None, help="demo admin password (default: printed)")
    p.add_argument("--rate", type=float, default=12.0, help="demo comments per minute (default 12)")
    p.add_argument("--no-traffic", action="store_true", help="do not generate demo comments")

    for name, (module, help_text, example) in _DELEGATED.items():
        p = sub.add_parser(name, help=help_text, formatter_class=raw, epilog=_example(example))
        p.set_defaults(_module=module)
        importlib.import_module(module).add_arguments(p)
    return parser


def _run_delegated(args: argparse.Namespace) -> int:
    from jasette import runtime
    from web.settings import Settings

    module = importlib.import_module(args._module)
    if args.command == "summary":
        from nlp.reasons import describe
        from web.i18n import platform_name

        base_url = Settings.from_env().base_url
        return asyncio.run(runtime.with_pool(lambda pool: module.run(args, pool, base_url=base_url, describe=describe,
                                                                     platform_name=platform_name)))
    if args.command == "alerts":
        settings = Settings.from_env()
        return asyncio.run(runtime.with_pool(
            lambda pool: module.run(args, pool, smtp=settings.smtp, base_url=settings.base_url,
                                   policy=settings.policy, vault=settings.vault() if settings.secret_key else None)))
    if args.command == "accounts":
        settings = Settings.from_env()
        # Listing and polling need no key; adding and changing seal credentials with it.
        vault = settings.vault() if settings.secret_key else None
        return asyncio.run(runtime.with_pool(lambda pool: module.run(args, pool, vault=vault, policy=settings.policy)))
    if args.command == "secrets":
        settings = Settings.from_env()
        vault = settings.vault() if settings.secret_key else None
        return asyncio.run(runtime.with_pool(lambda pool: module.run(args, pool, vault=vault)))
    if args.command == "users":
        base_url = Settings.from_env().base_url  # invitation links point at the public address
        return asyncio.run(runtime.with_pool(lambda pool: module.run(args, pool, base_url=base_url)))
    if args.command == "brands":
        return asyncio.run(runtime.with_pool(lambda pool: module.run(args, pool)))
    return int(module.run(args) or 0)


def _dispatch(args: argparse.Namespace) -> int:
    from jasette import runtime

    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "migrate": runtime.cmd_migrate,
        "run": runtime.cmd_run,
        "web": runtime.cmd_web,
        "worker": runtime.cmd_worker,
        "demo": runtime.cmd_demo,
    }
    if args.command in commands:
        return commands[args.command](args)
    return _run_delegated(args)


def _configure_logging() -> None:
    from web.settings import Settings

    level = Settings.from_env().log_level
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # pgserver logs every initdb and pg_ctl line at INFO: keep only its problems.
    logging.getLogger("pgserver").setLevel(max(logging.WARNING, logging.getLevelName(level)))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `jasette` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        _configure_logging()
        return _dispatch(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        print(f"jasette: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
