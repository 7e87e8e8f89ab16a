from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from app.core.money import Money, convert
from app.services.pricing import PackStore, PricingPack, twr

amounts = st.integers(min_value=-(10**12), max_value=10**12)
rates = st.integers(min_value=100, max_value=10**10).map(lambda n: Decimal(n) / 10**6)
returns = st.lists(
    st.integers(min_value=-5000, max_value=5000).map(lambda bp: Decimal(bp) / 10_000), max_size=8
)


@given(amounts, rates)
def test_conversion_is_within_one_basis_point(minor: int, rate: Decimal) -> None:
    exact = Decimal(minor) * rate
    converted = convert(Money(minor, "USD"), rate, "EUR").minor
    assert abs(Decimal(converted) - exact) <= Decimal("0.5")
    if abs(exact) >= 5000:
        assert abs(Decimal(converted) - exact) / abs(exact) * 10_000 <= 1


@given(st.lists(st.integers(min_value=0, max_value=30).map(lambda n: f"pack-{n}"), min_size=1, max_size=20))
def test_pricing_packs_are_append_only(ids: list[str]) -> None:
    store = PackStore()
    seen: set[str] = set()
    for pack_id in ids:
        try:
            store.append(PricingPack(pack_id, ()))
            assert pack_id not in seen
            seen.add(pack_id)
        except ValueError:
            assert pack_id in seen
    assert [p.pack_id for p in store.packs] == list(dict.fromkeys(ids))


@given(returns, returns)
def test_twr_is_commutative_across_date_ranges(a: list[Decimal], b: list[Decimal]) -> None:
    assert abs(twr(a + b) - twr(b + a)) < Decimal("1e-20")
