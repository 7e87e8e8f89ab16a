from decimal import Decimal

import pytest

from app.core.money import Money, basis_points, convert


def test_adding_one_currency() -> None:
    assert Money(150, "USD") + Money(250, "USD") == Money(400, "USD")


def test_adding_two_currencies_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot add EUR to USD"):
        Money(1, "USD") + Money(1, "EUR")


def test_unknown_currency() -> None:
    with pytest.raises(ValueError, match="unknown currency"):
        Money(1, "XXX")


def test_convert_rounds_half_to_even() -> None:
    assert convert(Money(5, "USD"), Decimal("0.5"), "EUR") == Money(2, "EUR")
    assert convert(Money(7, "USD"), Decimal("0.5"), "EUR") == Money(4, "EUR")


def test_convert_refuses_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        convert(Money(1, "USD"), Decimal(0), "EUR")


def test_basis_points() -> None:
    assert basis_points(10_000, 10_001) == Decimal(1)
    assert basis_points(0, 0) == Decimal(0)
    assert basis_points(0, 5) == Decimal(10_000)
