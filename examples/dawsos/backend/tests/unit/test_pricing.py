from decimal import Decimal

import pytest

from app.services.pricing import PackStore, PricingPack, attribution, twr


def test_packs_are_append_only() -> None:
    store = PackStore()
    store.append(PricingPack("p1", (("AAPL", Decimal("1")),)))
    with pytest.raises(ValueError, match="append-only"):
        store.append(PricingPack("p1", ()))
    assert store.latest().price("AAPL") == Decimal("1")


def test_missing_price_and_empty_store() -> None:
    with pytest.raises(KeyError):
        PricingPack("p", ()).price("KO")
    with pytest.raises(LookupError, match="no pricing pack"):
        PackStore().latest()


def test_twr_compounds() -> None:
    assert twr([Decimal("0.1"), Decimal("0.1")]) == Decimal("0.21")


def test_attribution() -> None:
    assert attribution({"AAPL": Decimal("0.6")}, {"AAPL": Decimal("0.05")}) == {"AAPL": Decimal("0.030000")}
