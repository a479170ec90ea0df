"""The payments sandbox's ledger, read for one subject."""
from collections import defaultdict
from decimal import Decimal


class Ledger:
    """The gateway's movements for one subject (its ``reference``)."""

    def __init__(self, operator, slug: str, reference: str):
        entries = operator.get(f"/sandbox/payments/ledger?tenant={slug}").json["entries"]
        self.entries = [entry for entry in entries if entry["reference"] == reference]

    def amount(self, *types: str) -> Decimal:
        return sum((Decimal(entry["amount"]) for entry in self.entries if entry["type"] in types),
                   Decimal(0))

    @property
    def net(self) -> Decimal:
        return self.amount("charge", "capture") - self.amount("refund")

    @property
    def takings(self) -> int:
        return sum(entry["type"] in ("charge", "capture") for entry in self.entries)

    def open_holds(self) -> list[str]:
        moves = defaultdict(set)
        for entry in self.entries:
            moves[entry["payment_id"]].add(entry["type"])
        return [payment for payment, types in moves.items()
                if "authorization" in types and not types & {"capture", "void"}]

    def payment_ids(self) -> set[str]:
        return {entry["payment_id"] for entry in self.entries
                if entry["type"] in ("charge", "capture")}
