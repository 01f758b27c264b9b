"""The e-mails of the team screens (an invitation, a forgotten password), in the recipient's language."""

from __future__ import annotations

import logging
from email.message import EmailMessage

from inbox import smtp
from inbox.smtp import EmailError, SmtpConfig
from web import i18n
from web.pages import templates

log = logging.getLogger(__name__)


def _message(config: SmtpConfig, *, to: str, lang: str, subject: str, template: str, **values: object) -> EmailMessage:
    lang = i18n.pick(lang)

    def gettext(message: str, **kw: object) -> str:
        return i18n.gettext(message, lang, **kw)

    context = {"_": gettext, "lang": lang, **values}
    text = templates.env.get_template(f"email/{template}.txt").render(context)
    html = templates.env.get_template(f"email/{template}.html").render(context)
    return smtp.build(config, to=to, subject=gettext(subject, **{k: str(v) for k, v in values.items()}),
                      text=text, html=html, lang=lang)


async def _send(config: SmtpConfig, message: EmailMessage) -> str | None:
    """Send; None when it went, else why not (English, to translate: the reason itself stays as the server said)."""
    if not config.host:
        return "E-mail is not configured on this server (JASETTE_SMTP_HOST)."
    try:
        await smtp.send(config, message)
    except EmailError as exc:
        log.warning("team e-mail to %s not sent: %s", message["To"], exc)
        return "The e-mail could not be sent."
    return None


async def send_invitation(config: SmtpConfig, *, to: str, lang: str, link: str, brand: str, inviter: str, role: str,
                          days: int) -> str | None:
    """E-mail an invitation link; None when sent, else a reason (English) for the owner."""
    message = _message(config, to=to, lang=lang, subject="{inviter} invites you to answer for {brand} on Jasette",
                       template="invitation", link=link, brand=brand, inviter=inviter, role=role, days=days)
    return await _send(config, message)


async def send_reset(config: SmtpConfig, *, to: str, lang: str, link: str, minutes: int) -> str | None:
    """E-mail a forgotten-password link; None when sent, else a reason (only logged: the page says the same either way)."""
    message = _message(config, to=to, lang=lang, subject="Choose a new Jasette password", template="reset",
                       link=link, minutes=minutes)
    return await _send(config, message)
