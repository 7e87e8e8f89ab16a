"""Pricing packs: append-only sets of prices, and time-weighted returns over them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class PricingPack:
    """One day's prices; never changed once built."""

    pack_id: str
    prices: tuple[tuple[str, Decimal], ...]

    def price(self, symbol: str) -> Decimal:
        for name, value in self.prices:
            if name == symbol:
                return value
        raise KeyError(symbol)


@dataclass
class PackStore:
    """Packs in build order; a pack id is written once."""

    packs: list[PricingPack] = field(default_factory=list)

    def append(self, pack: PricingPack) -> None:
        if any(p.pack_id == pack.pack_id for p in self.packs):
            raise ValueError(f"pack {pack.pack_id} already exists (packs are append-only)")
        self.packs.append(pack)

    def latest(self) -> PricingPack:
        if not self.packs:
            raise LookupError("no pricing pack built yet")
        return self.packs[-1]


def twr(returns: list[Decimal]) -> Decimal:
    """Time-weighted return: the product of (1 + r) over the periods, minus 1."""
    total = Decimal(1)
    for r in returns:
        total *= Decimal(1) + r
    return total - Decimal(1)


def attribution(weights: dict[str, Decimal], returns: dict[str, Decimal]) -> dict[str, Decimal]:
    """Each holding's contribution to the portfolio return (weight × return), to 6 places."""
    return {
        symbol: (weights[symbol] * returns[symbol]).quantize(Decimal("0.000001"))
        for symbol in sorted(weights)
    }
