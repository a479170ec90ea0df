"""Email over SMTP to the configured server (the in-process sandbox by default)."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid


def send(config: dict, email, message_id: str | None = None) -> None:
    """Send ``email``; a resend with the same ``message_id`` lets receivers drop the copy."""
    host, port = smtp_address(config)
    message = EmailMessage()
    message.set_content(email.body)  # first: it resets the Content-* headers
    message["From"] = config["CAAS_MAIL_FROM"]
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Content-Language"] = email.locale
    message["Message-ID"] = message_id or make_msgid(domain="caas.example")
    with smtplib.SMTP(host, port, timeout=15) as smtp:
        if config.get("CAAS_SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("CAAS_SMTP_USER"):
            smtp.login(config["CAAS_SMTP_USER"], config["CAAS_SMTP_PASSWORD"] or "")
        smtp.send_message(message)


def smtp_address(config: dict) -> tuple[str, int]:
    if config.get("CAAS_SMTP_HOST"):
        return config["CAAS_SMTP_HOST"], int(config["CAAS_SMTP_PORT"])
    from caas.sandboxes import smtp
    return smtp.server().address
