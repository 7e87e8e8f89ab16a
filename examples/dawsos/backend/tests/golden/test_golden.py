import json
from decimal import Decimal
from pathlib import Path

from app.services.pricing import attribution

EXPECTED = Path(__file__).parent / "expected"


def test_attribution_aapl_october_2023(golden_update: str) -> None:
    weights = {"AAPL": Decimal("0.60"), "AGG": Decimal("0.40")}
    returns = {"AAPL": Decimal("-0.0025"), "AGG": Decimal("-0.0156")}
    actual = json.dumps({k: str(v) for k, v in attribution(weights, returns).items()}, indent=2) + "\n"
    golden = EXPECTED / "attribution-aapl-2023-10.json"
    if golden_update == "always":
        golden.write_text(actual)
    assert actual == golden.read_text(), "differs from the approved golden output"
