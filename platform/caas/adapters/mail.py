"""Email over SMTP to the configured server (the in-process sandbox by default)."""
from __future__ import annotations

import smtplib
from email.header import Header
from email.mime.text import MIMEText
from email.utils import make_msgid
from typing import Callable, Mapping


def compose(config: Mapping, email, message_id: str | None = None) -> MIMEText:
    """The message as it goes on the wire.

    The subject is written as UTF-8 encoded words (RFC 2047), folded between words of at
    most 75 characters: decoded, it is exactly the subject. (The ``email`` package's own
    folding moves a subject that just fails to fit after ``Subject:`` to a continuation
    line, and receivers then read it with a leading space.)
    """
    message = MIMEText(email.body, "plain", "utf-8")
    message["From"] = config["CAAS_MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = Header(email.subject, "utf-8", header_name="Subject")
    message["Content-Language"] = email.locale
    message["Message-ID"] = message_id or make_msgid(domain="caas.example")
    return message


def send(config: Mapping, email, message_id: str | None = None, *,
         address: tuple[str, int]) -> None:
    """Send ``email`` through the SMTP server at ``address``; a resend with the same
    ``message_id`` lets receivers drop the copy."""
    message = compose(config, email, message_id)
    with smtplib.SMTP(*address, timeout=15) as smtp:
        if config.get("CAAS_SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("CAAS_SMTP_USER"):
            smtp.login(config["CAAS_SMTP_USER"], config["CAAS_SMTP_PASSWORD"] or "")
        smtp.send_message(message)


def configured_address(config: Mapping) -> tuple[str, int] | None:
    """The SMTP server the settings name (``CAAS_SMTP_HOST``), if they name one."""
    if config.get("CAAS_SMTP_HOST"):
        return config["CAAS_SMTP_HOST"], int(config["CAAS_SMTP_PORT"])
    return None


class Mailer:
    """The platform's mail server, as the use cases' mail port.

    :param config: the platform's settings (sender, SMTP credentials).
    :param address: the server's ``(host, port)``, asked for on each send, so that a
        local server is started only once mail is sent.
    """

    def __init__(self, config: Mapping, address: Callable[[], tuple[str, int]]):
        self.config = config
        self.address = address

    def send(self, email, message_id: str | None = None) -> None:
        send(self.config, email, message_id, address=self.address())
