"""Every setting Jasette reads, from the environment. The README's table lists the same names
(a test checks they agree)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from collector.oauth import OAuthApps
from collector.registry import display_name, oauth_platforms, oauth_provider
from inbox.credentials import Vault
from inbox.netguard import Policy
from inbox.smtp import SmtpConfig


class SettingError(ValueError):
    """A setting has a value Jasette cannot use."""


# name -> (default, one-line meaning). The single source of truth for documentation.
DOCUMENTED: dict[str, tuple[str, str]] = {
    "DATABASE_URL": ("(unset: embedded PostgreSQL)", "PostgreSQL DSN, e.g. postgresql://user:pass@host:5432/jasette"),
    "JASETTE_HOME": ("per-user data directory", "Folder for the embedded database and the demo's secret key"),
    "JASETTE_SECRET_KEY": ("(required; the demo makes one)", "Passphrase that encrypts platform tokens and signs sessions"),
    "JASETTE_SECRET_KEY_PREVIOUS": (
        "(unset)",
        "Earlier secret keys, comma-separated, still read while `jasette secrets reseal` moves secrets to the current one",
    ),
    "JASETTE_HOST": ("127.0.0.1", "Address the web server listens on"),
    "JASETTE_PORT": ("8000", "Port the web server listens on"),
    "JASETTE_BASE_URL": ("http://127.0.0.1:8000", "Public address of the inbox, used in links of alerts and e-mails"),
    "JASETTE_HTTPS": ("0", "1 when served behind HTTPS: session cookies get the Secure flag"),
    "JASETTE_WORKER_CONCURRENCY": ("4", "Accounts one worker polls at the same time"),
    "JASETTE_NLP_WORKERS": ("2", "Processes of the NLP stage in each worker (0: in-process)"),
    "JASETTE_NLP_FULL": ("1", "1: one more process per worker re-scores items with the sentence encoder (nlp/README.md); 0: fast layer only"),
    "JASETTE_LOG_LEVEL": ("INFO", "Logging level: DEBUG, INFO, WARNING, ERROR"),
    "JASETTE_SMTP_HOST": ("(unset: no e-mail)", "SMTP server for alerts and weekly summaries"),
    "JASETTE_SMTP_PORT": ("587", "SMTP port"),
    "JASETTE_SMTP_STARTTLS": ("1", "1 to upgrade the SMTP connection with STARTTLS"),
    "JASETTE_SMTP_USER": ("(unset)", "SMTP user name"),
    "JASETTE_SMTP_PASSWORD": ("(unset)", "SMTP password"),
    "JASETTE_SMTP_FROM": ("jasette@localhost", "Sender address of alerts and summaries"),
    "JASETTE_META_APP_SECRET": ("(unset: webhooks refused)", "Meta app secret that checks X-Hub-Signature-256 on webhooks"),
    "JASETTE_META_VERIFY_TOKEN": ("(unset: webhooks refused)", "Token Meta echoes in the webhook verification handshake"),
    "JASETTE_METRICS_TOKEN": ("(unset: /metrics off)", "Bearer token a Prometheus scraper presents to read /metrics"),
    "JASETTE_ALLOWED_HOSTS": (
        "(unset: public addresses only)",
        "Private hosts accounts and alert webhooks may reach: host, host:port or CIDR, comma-separated",
    ),
}
# Each platform connected with OAuth: the application the administrator registers there
# (docs/platform-accounts.md says where), and, for tests and the demo, an emulator's root.
for _platform in oauth_platforms():
    _id, _secret, _root = OAuthApps.env_names(_platform)
    _name = display_name(_platform)
    DOCUMENTED[_id] = ("(unset: cannot connect)", f"Client id of the {_name} OAuth application (docs/platform-accounts.md)")
    DOCUMENTED[_secret] = ("(unset: cannot connect)", f"Client secret of the {_name} OAuth application")
    DOCUMENTED[_root] = ("(unset: the platform)", f"Address that stands in for every {_name} OAuth and API host (an emulator, tests)")


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, not {raw!r}") from None


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingError(f"{name} must be 1 or 0, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    """The process's configuration, read once at start."""

    database_url: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    previous_secret_keys: tuple[str, ...] = field(default=(), repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = "http://127.0.0.1:8000"
    https: bool = False
    worker_concurrency: int = 4
    nlp_workers: int = 2
    nlp_full: bool = True
    log_level: str = "INFO"
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    meta_app_secret: str | None = field(default=None, repr=False)
    meta_verify_token: str | None = field(default=None, repr=False)
    metrics_token: str | None = field(default=None, repr=False)
    policy: Policy = field(default_factory=Policy)
    oauth: OAuthApps = field(default_factory=OAuthApps)

    def meta_app_secrets(self) -> list[str]:
        """Every secret that may sign Meta's webhooks: JASETTE_META_APP_SECRET, and the secrets of the
        Facebook Login and Instagram Login applications (each Meta app signs with its own)."""
        found = [self.meta_app_secret] if self.meta_app_secret else []
        for platform in oauth_platforms():
            provider, app = oauth_provider(platform), self.oauth.get(platform)
            if provider is not None and provider.signs_webhooks and app is not None and app.client_secret not in found:
                found.append(app.client_secret)
        return found

    def vault(self) -> Vault:
        """The secrets vault: seals with JASETTE_SECRET_KEY, also opens with the previous keys."""
        return Vault(self.secret_key, previous=self.previous_secret_keys)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read and check every setting; raise SettingError with a clear line on a bad one."""
        env = dict(os.environ if env is None else env)
        port = _int(env, "JASETTE_PORT", 8000)
        host = env.get("JASETTE_HOST") or "127.0.0.1"
        level = (env.get("JASETTE_LOG_LEVEL") or "INFO").upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise SettingError(f"JASETTE_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
        try:
            policy = Policy.parse(env.get("JASETTE_ALLOWED_HOSTS", ""))
        except ValueError as exc:
            raise SettingError(f"JASETTE_ALLOWED_HOSTS: {exc}") from None
        return cls(
            policy=policy,
            oauth=OAuthApps.from_env(env, oauth_platforms()),
            database_url=env.get("DATABASE_URL") or None,
            secret_key=env.get("JASETTE_SECRET_KEY") or None,
            previous_secret_keys=tuple(k.strip() for k in env.get("JASETTE_SECRET_KEY_PREVIOUS", "").split(",") if k.strip()),
            host=host,
            port=port,
            base_url=(env.get("JASETTE_BASE_URL") or f"http://{host}:{port}").rstrip("/"),
            https=_flag(env, "JASETTE_HTTPS", False),
            worker_concurrency=max(1, _int(env, "JASETTE_WORKER_CONCURRENCY", 4)),
            nlp_workers=max(0, _int(env, "JASETTE_NLP_WORKERS", 2)),
            nlp_full=_flag(env, "JASETTE_NLP_FULL", True),
            log_level=level,
            smtp=SmtpConfig(
                host=env.get("JASETTE_SMTP_HOST") or None,
                port=_int(env, "JASETTE_SMTP_PORT", 587),
                starttls=_flag(env, "JASETTE_SMTP_STARTTLS", True),
                user=env.get("JASETTE_SMTP_USER") or None,
                password=env.get("JASETTE_SMTP_PASSWORD") or None,
                sender=env.get("JASETTE_SMTP_FROM") or "jasette@localhost",
            ),
            meta_app_secret=env.get("JASETTE_META_APP_SECRET") or None,
            meta_verify_token=env.get("JASETTE_META_VERIFY_TOKEN") or None,
            metrics_token=env.get("JASETTE_METRICS_TOKEN") or None,
        )
