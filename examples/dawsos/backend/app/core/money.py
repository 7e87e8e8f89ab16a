"""Multi-currency amounts in integer minor units, converted at basis-point precision."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

CURRENCIES = ("USD", "EUR", "GBP", "JPY")


@dataclass(frozen=True)
class Money:
    """An amount in minor units (cents) of one currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in CURRENCIES:
            raise ValueError(f"unknown currency {self.currency!r}")

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.minor + other.minor, self.currency)


def convert(amount: Money, rate: Decimal, to: str) -> Money:
    """Converts at `rate` (units of `to` per unit of the amount's currency), rounding half to even."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    value = (Decimal(amount.minor) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return Money(int(value), to)


def basis_points(a: int, b: int) -> Decimal:
    """The difference of two amounts in basis points of the first (0 for two zeros)."""
    if a == 0:
        return Decimal(0) if b == 0 else Decimal(10_000)
    return abs(Decimal(b - a)) / abs(Decimal(a)) * 10_000
