"""shipquote's own tests: run against the installed wheel (``pip install .`` first)."""

from __future__ import annotations

import pytest

from shipquote.rules import (
    eligible,
    insurance,
    label,
    loyalty,
    manifest,
    peak_price,
    quote,
    shipment,
)

BACKENDS = ["native", "wasm"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_quote_uses_the_larger_of_real_and_volumetric_weight(backend: str) -> None:
    rule = quote.Sandbox(backend=backend)
    assert rule.main(2400, 30, 20, 10, 2, False) == 3 * 620
    assert rule.main(2400, 30, 20, 10, 2, True) == 2 * 3 * 620
    # 80*60*50 cm = 48 kg volumetric: 48 * 1340 + handling
    assert rule.main(9000, 80, 60, 50, 4, False) == 48 * 1340 + 1500


@pytest.mark.parametrize("backend", BACKENDS)
def test_unknown_zone_is_a_host_panic(backend: str) -> None:
    with pytest.raises(quote.HostPanic):
        quote.Sandbox(backend=backend).main(1000, 10, 10, 10, 9, False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_eligibility_limits(backend: str) -> None:
    rule = eligible.Sandbox(backend=backend)
    assert rule.main(12000, 100, 40, 30, True) is True
    assert rule.main(25000, 100, 40, 30, True) is False
    assert rule.main(25000, 100, 40, 30, False) is True


@pytest.mark.parametrize("backend", BACKENDS)
def test_loyalty_tiers_and_cap(backend: str) -> None:
    rule = loyalty.Sandbox(backend=backend)
    assert rule.main(0) == 0
    assert rule.main(250) == 100
    assert rule.main(100_000) == 1500


def test_insurance_minimum() -> None:
    assert insurance.main(100.0, 1) == 2.5
    assert insurance.main(declared_value=1200, zone=3) == pytest.approx(15.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_peak_season_needs_the_clock(backend: str) -> None:
    with pytest.raises(PermissionError):
        peak_price.Sandbox(backend=backend).main(330, 80.0)
    granted = peak_price.Sandbox(caps={"reads_clock"}, backend=backend)
    assert granted.main(330, 100.0) == pytest.approx(118.0)
    assert granted.main(100, 100.0) == 100.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_label_text(backend: str) -> None:
    rule = label.Sandbox(backend=backend)
    assert rule.main("  Zürich ", 3, 2.5) == "ZüRICH / ZONE 3 / 2.5 KG"  # ASCII upper only
    assert rule.main("oslo", 1, 1.0) == "OSLO / ZONE 1 / 1 KG"


@pytest.mark.parametrize("backend", BACKENDS)
def test_manifest_summary(backend: str) -> None:
    rule = manifest.Sandbox(backend=backend)
    assert rule.main([1200, 40000, 800]) == (1, 42000, [40000, 1200, 800])
    assert rule.main([]) == (0, 0, [])


PARCELS = [
    {"grams": 2400, "length_cm": 30, "width_cm": 20, "height_cm": 10},  # bills 2,400 g
    {"grams": 500, "length_cm": 40, "width_cm": 30, "height_cm": 20},  # bills 4,800 g
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_shipment_document(backend: str) -> None:
    rule = shipment.Sandbox(backend=backend)
    order = {"destination": "Zürich", "zone": 2, "service": "Express", "parcels": PARCELS}
    # 7,200 g at 620 cents a kg = 4,464; express doubles it
    assert rule.main(order) == {
        "billable_grams": 7200,
        "base_cents": 4464,
        "service_cents": 4464,
        "total_cents": 8928,
        "label": {"to": "ZüRICH", "parcels": 2, "service": "Express"},
    }
    assert rule.main({**order, "service": "Standard"})["total_cents"] == 4764


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_shipment_is_validated(backend: str) -> None:
    rule = shipment.Sandbox(backend=backend)
    order = {"destination": "Bern", "zone": 9, "service": "Economy", "parcels": PARCELS}
    with pytest.raises(shipment.ValidationError, match=r"^shipment.zone: zone must be 1 to 5$"):
        rule.main(order)
    light = [PARCELS[0], {**PARCELS[1], "grams": 0}]
    with pytest.raises(shipment.ValidationError, match=r"shipment.parcels\[1\].grams"):
        rule.main({**order, "zone": 1, "parcels": light})
