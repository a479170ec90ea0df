"""The payment of a bought service once its activation's outcome is known: captured, released
(voided) or refunded, and the gateway's settlement reports about it."""
from __future__ import annotations

from caas.service_layer.gateways.payments import PaymentDeclined, PaymentRejected
from caas.domain.money import Money
from caas.domain.services import Service, ServiceStatus
from caas.domain.tenants import Tenant
from caas.service_layer.context import TenantContext
from caas.service_layer.tasks import Task

PAY = "service_payment"


def payment_key(tenant: Tenant, service: Service, step: str) -> str:
    return f"{tenant.slug}:service:{service.id}:{step}"


def audit_payment(uow, service: Service, outcome: str, **after) -> None:
    uow.audit.record(f"payment.{outcome}", "service", service.id,
                     after={"option": service.option, "vin": service.vin,
                            "amount": service.price.to_dict(),
                            "payment_status": service.payment_status, **after})


def settle_payment(ctx: TenantContext, service_id: int, action: str,
                   amount_minor: int | None = None) -> None:
    """Capture, release (void) or refund the service's payment; idempotent at the gateway.

    A capture the card declines leaves a delivered service unpaid: the hold is released and
    staff get a chargeback-risk case. A release of a payment that was captured after all
    becomes a full refund.

    :raises PaymentError: the gateway did not answer, or refused for now: for the job to
        retry, with the same key.
    """
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
    if action == "capture":
        outcome, refunded = _capture(ctx, service)
    elif action == "void":
        outcome, refunded = _release(ctx, service)
    else:
        amount = Money.from_minor(amount_minor, service.price.currency)
        refund = ctx.gateways.payments.refund(
            service.payment_id, idempotency_key=payment_key(ctx.tenant, service, action), amount=amount)
        outcome, refunded = "refunded", refund.amount
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        before = service.payment_status
        service.payment_status = outcome
        if refunded is not None:
            service.refunded = refunded
        service.pending.append((service.status, service.status, f"payment {outcome}"))
        uow.services.save(service)
        audit_payment(uow, service, outcome, before=before,
                       **({"refunded": refunded.to_dict()} if refunded is not None else {}))
        if outcome == "capture_declined":
            uow.tickets.open("chargeback_risk", f"Capture declined for {service.option} on "
                                                f"{service.vin}, already delivered",
                             {"payment_id": service.payment_id, "status": service.status.value},
                             service_id=service.id, vin=service.vin,
                             customer_id=service.customer_id)
        uow.commit()


def _capture(ctx: TenantContext, service: Service) -> tuple[str, Money | None]:
    gateway = ctx.gateways.payments
    try:
        gateway.capture(service.payment_id, idempotency_key=payment_key(ctx.tenant, service, "capture"))
    except PaymentDeclined:
        _release(ctx, service)
        return "capture_declined", None
    return "captured", None


def _release(ctx: TenantContext, service: Service) -> tuple[str, Money | None]:
    """Void the hold; if it was captured after all, refund what was taken."""
    gateway = ctx.gateways.payments
    try:
        gateway.void(service.payment_id, idempotency_key=payment_key(ctx.tenant, service, "void"))
        return "voided", None
    except (PaymentDeclined, PaymentRejected) as refused:
        state = gateway.get(service.payment_id).status
        if state == "voided":
            return "voided", None
        if state == "authorized":
            raise refused  # still held: the job tries again
    refund = gateway.refund(service.payment_id, idempotency_key=payment_key(ctx.tenant, service, "refund-all"))
    return "refunded", refund.amount


def payment_event(uow, tenant: Tenant, service: Service, event: dict) -> str:
    """A settlement report about a service's payment (inside the webhook's transaction)."""
    kind = event["type"]
    if kind == "payment.failed" and service.status is ServiceStatus.ACTIVATING:
        service.move_to(ServiceStatus.CANCELLED, "payment failed before the activation finished")
        service.payment_status, service.next_attempt_at = "failed", None
        uow.services.save(service)
        uow.outbox.add(PAY, {"service_id": service.id, "action": "void"})
        return "activation cancelled"
    if kind == "payment.failed":
        uow.tickets.open("chargeback_risk", f"Settlement failed for {service.option} on "
                                            f"{service.vin}, already delivered",
                         {"payment_id": event["payment_id"], "status": service.status.value},
                         service_id=service.id, vin=service.vin, customer_id=service.customer_id)
        outcome = "chargeback risk escalated"
    else:
        outcome = "settled" if kind == "payment.settled" else "refund settled"
    service.pending.append((service.status, service.status, outcome))
    uow.services.save(service)
    return outcome


TASKS = (Task(PAY, settle_payment),)
