"""How a sandbox calls the platform back: signed webhooks, retried like a real provider would."""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from typing import Callable

import httpx

from caas.clock import wall_now
from caas.crypto import signing

log = logging.getLogger(__name__)


class WebhookSender:
    """POSTs signed JSON to ``/api/v1/webhooks/{tenant}/{system}`` on the platform.

    :param client: an httpx client whose base URL is the platform (in process: a WSGI transport).
    :param secret_for: ``(tenant, system) -> secret``; ``None`` for an unknown tenant.
    :param attempts: deliveries tried before giving up on a background send.
    :param backoff: seconds before the second attempt, doubling after each failure.
    """

    def __init__(self, client: httpx.Client, secret_for: Callable[[str, str], str | None],
                 attempts: int = 6, backoff: float = 0.5):
        self.client = client
        self.secret_for = secret_for
        self.attempts = attempts
        self.backoff = backoff
        self.deliveries: deque[dict] = deque(maxlen=1000)

    @staticmethod
    def event_id() -> str:
        return f"evt_{uuid.uuid4().hex}"

    def send(self, tenant: str, system: str, payload: dict, *, wait: bool = False) -> int | None:
        """Deliver ``payload``; with ``wait`` once and return the status, else retry in the background."""
        if wait:
            return self._deliver(tenant, system, payload)
        threading.Thread(target=self._deliver_with_retries, args=(tenant, system, payload),
                         name=f"{system}-webhook", daemon=True).start()
        return None

    def _deliver_with_retries(self, tenant: str, system: str, payload: dict) -> None:
        delay = self.backoff
        for _ in range(self.attempts):
            status = self._deliver(tenant, system, payload)
            if status is not None and status < 300:
                return
            time.sleep(delay)
            delay *= 2
        log.warning("%s sandbox gave up delivering a webhook", system,
                    extra={"tenant": tenant, "event_id": payload.get("event_id")})

    def _deliver(self, tenant: str, system: str, payload: dict) -> int | None:
        secret = self.secret_for(tenant, system)
        if secret is None:
            return None
        body = json.dumps(payload).encode()
        record = {"at": wall_now().isoformat(), "tenant": tenant,
                  "system": system, "payload": payload, "status": None}
        try:
            response = self.client.post(
                f"/api/v1/webhooks/{tenant}/{system}", content=body,
                headers={"Content-Type": "application/json", signing.HEADER: signing.sign(secret, body)})
            record["status"] = response.status_code
        except httpx.HTTPError as exc:
            record["error"] = str(exc)
        self.deliveries.appendleft(record)
        return record["status"]
