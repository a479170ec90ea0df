"""The dashboard's figures computed over the in-memory tables, as the SQL queries
(:mod:`caas.adapters.sql.dashboard`) compute them."""
from __future__ import annotations

from collections import Counter

from tests.support.fakes.repositories import Repository


def _durations(seconds: list[float], edges) -> dict:
    ordered, count = sorted(seconds), len(seconds)

    def rank(share):  # nearest rank: the first value with at least ``share`` of all up to it
        return next((value for number, value in enumerate(ordered, 1)
                     if number * share[1] >= count * share[0]), None)
    highs = list(edges[1:]) + [None]
    return {"count": count, "median": rank((1, 2)), "p90": rank((9, 10)),
            "longest": ordered[-1] if ordered else None,
            "buckets": [sum(low <= value and (high is None or value < high) for value in ordered)
                        for low, high in zip(edges, highs)]}


def _month(instant, months):
    return next((month.period for month in months if month.start <= instant < month.end), None)


class DashboardQueries(Repository):
    def orders_by_status(self, since):
        return dict(Counter(order.status.value for order in self.uow.table("orders").rows.values()
                            if order.created_at >= since))

    def delivery_times(self, since, edges):
        steps = [event for event in self.uow.table("order_events").rows.values()]
        reserved = {event["owner"]: event["entry"]["at"] for event in steps
                    if event["entry"]["to"] == "reserved"}
        return _durations([(event["entry"]["at"] - reserved[event["owner"]]).total_seconds()
                           for event in steps if event["entry"]["to"] == "delivered"
                           and event["entry"]["at"] >= since and event["owner"] in reserved],
                          edges)

    def activation_times(self, since, edges):
        return _durations([(service.activated_at - service.created_at).total_seconds()
                           for service in self.uow.table("services").rows.values()
                           if service.activated_at and service.created_at >= since], edges)

    def activation_outcomes(self, months, reasons):
        by_month, failures = {}, Counter()
        for service in self.uow.table("services").rows.values():
            period = _month(service.created_at, months)
            failed = service.status.value == "failed"
            if period is None or not (service.activated_at or failed):
                continue
            counts = by_month.setdefault(period, {"activated": 0, "failed": 0})
            counts["failed" if failed else "activated"] += 1
            if failed:
                failures[next((key for key, prefix in reasons.items()
                               if (service.last_error or "").startswith(prefix)), "other")] += 1
        return by_month, dict(failures)

    def recurring_revenue(self, months, currency):
        def running_at(row, month_end):
            ends = row.get("ended_at") or row.get("cancel_at")
            return (row.get("trial_ends_at") or row["started_at"]) < month_end and \
                (ends is None or ends >= month_end)

        def price_in(row, period):
            moved = row.get("next_price_from") and row["next_price_from"] <= period
            return row["next_price_minor"] if moved else row["price_minor"]

        def previous(period):
            year, month = map(int, period.split("-"))
            return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"

        rows = [row for row in self.uow.table("subscriptions").rows.values()
                if row["currency"] == currency and row.get("end_reason") != "withdrawn"]
        found = {}
        for month in months:
            now_on = [row for row in rows if running_at(row, month.end)]
            before_on = [row for row in rows if running_at(row, month.start)]
            found[month.period] = {
                "mrr": sum(price_in(row, month.period) for row in now_on),
                "new": sum(price_in(row, month.period) for row in now_on if row not in before_on),
                "churned": sum(price_in(row, previous(month.period)) for row in before_on
                               if row not in now_on),
                "moved": sum(price_in(row, month.period) - price_in(row, previous(month.period))
                             for row in now_on if row in before_on)}
        return found

    def invoiced(self, months):
        periods, found = {month.period for month in months}, {}
        for row in self.uow.table("invoices").rows.values():
            if row["kind"] == "invoice" and row.get("period") in periods:
                totals = found.setdefault(row["period"], {"total": 0, "paid": 0})
                totals["total"] += row["total_minor"]
                totals["paid"] += row["total_minor"] if row["status"] == "paid" else 0
        return found

    def charge_problems(self, months):
        found = {}
        for row in self.uow.table("invoices").rows.values():
            period = next((month.period for month in months
                           if month.start.date() <= row["issue_date"] < month.end.date()), None)
            if period and row["status"] in ("failed", "unconfirmed"):
                count, total = found.get((period, row["status"]), (0, 0))
                found[(period, row["status"])] = (count + 1, total + row["total_minor"])
        return found
