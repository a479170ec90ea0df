"""External systems that answer from a script and remember every call."""
from __future__ import annotations

import itertools
from collections import defaultdict, deque

from caas.domain.money import Money
from tests.support.gateway_errors import (Command, FactoryOrder, Maintenance, Payment,
                                          VehicleStatus)


class Scripted:
    """A client whose methods record their calls and answer what the test scripted.

    ``will(method, *answers)`` queues answers: a value is returned, an exception raised, a
    function called with the call's arguments. With nothing queued, ``default_<method>``
    answers (or ``None``).
    """

    def __init__(self):
        self.calls: list[tuple[str, tuple, dict]] = []
        self._script: dict[str, deque] = defaultdict(deque)
        self._ids = itertools.count(1)

    def will(self, method: str, *answers) -> "Scripted":
        self._script[method].extend(answers)
        return self

    def called(self, method: str) -> list[dict]:
        """The calls of ``method``: positional arguments as ``args``, then the keywords."""
        return [dict(kwargs, args=args) for name, args, kwargs in self.calls if name == method]

    def _answer(self, method: str, args: tuple, kwargs: dict):
        self.calls.append((method, args, kwargs))
        if self._script[method]:
            answer = self._script[method].popleft()
        else:
            answer = getattr(self, f"default_{method}", None)
        if isinstance(answer, BaseException) or (isinstance(answer, type)
                                                 and issubclass(answer, BaseException)):
            raise answer
        return answer(*args, **kwargs) if callable(answer) else answer

    def __getattr__(self, method: str):
        if method.startswith("_") or method.startswith("default_"):
            raise AttributeError(method)
        return lambda *args, **kwargs: self._answer(method, args, kwargs)


class FakePayments(Scripted):
    """Charges and authorizations succeed unless scripted otherwise."""

    def _payment(self, amount: Money, status: str, reference: str = "") -> Payment:
        zero = Money(0, amount.currency)
        return Payment(id=f"pay_{next(self._ids)}", status=status, amount=amount,
                       captured=amount if status == "succeeded" else zero, refunded=zero,
                       settlement="pending", reference=reference)

    def default_charge(self, amount, card_token, *, reference="", **_):
        return self._payment(amount, "succeeded", reference)

    def default_authorize(self, amount, card_token, *, reference="", **_):
        return self._payment(amount, "authorized", reference)

    def default_lookup(self, idempotency_key):
        return None


class FakeVss(Scripted):
    def default_maintenance(self, vin):
        return Maintenance(vin=vin, status="ok", last_service=None, next_due=None,
                           completion_percentage=100, history=[])


class FakeFactory(Scripted):
    def default_place_order(self, *, reference, model, options, **_):
        return FactoryOrder(id=f"F-{next(self._ids)}", status="accepted", estimated_date=None,
                            vin=None)


class FakeIot(Scripted):
    """Commands succeed; a vehicle reports itself online with nothing applied."""

    def default_run(self, vin, command_id, settings, **_):
        return Command(id=command_id, vin=vin, status="succeeded", error=None,
                       created_at=None, completed_at=None)

    def default_vehicle_status(self, vin):
        return VehicleStatus(vin=vin, online=True, configuration={}, last_seen=None,
                             firmware="1.0", last_error=None)


class FakeMessaging(Scripted):
    def default_send(self, to, *args, **kwargs):
        return f"msg_{next(self._ids)}"


class FakeMail(Scripted):
    """The mail port: ``send(message, message_id)``."""


class FakeGateways:
    """The :class:`~caas.service_layer.ports.Gateways` of a test: every system a fake."""

    payments_in_process = True

    def __init__(self):
        self.payments, self.factory, self.iot = FakePayments(), FakeFactory(), FakeIot()
        self.vss, self.push, self.sms = FakeVss(), FakeMessaging(), FakeMessaging()
        self.registration_body = Scripted()
        self.mail = FakeMail()
        self.credentials_used: list[str | None] = []

    def registration(self, credentials: str | None = None):
        self.credentials_used.append(credentials)
        return self.registration_body
