"""Call every shipquote rule natively and under wasm, and print what comes back.

Run by ``scripts/demo.sh`` in a fresh venv that holds only the built wheel and wasmtime.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

PARCELS = [
    {"grams": 2400, "length_cm": 30, "width_cm": 20, "height_cm": 10},
    {"grams": 500, "length_cm": 40, "width_cm": 30, "height_cm": 20},
]
SHIPMENT = {"destination": "Zürich", "zone": 2, "service": "Express", "parcels": PARCELS}

CALLS: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = [
    ("quote 2.4 kg, zone 2", quote, (2400, 30, 20, 10, 2, False), {}),
    ("quote 2.4 kg, zone 2, express", quote, (2400, 30, 20, 10, 2, True), {}),
    ("quote bulky 80x60x50, zone 4", quote, (9000, 80, 60, 50, 4, False), {}),
    ("quote unknown zone 9", quote, (1000, 10, 10, 10, 9, False), {}),
    ("eligible 12 kg express", eligible, (12000, 100, 40, 30, True), {}),
    ("eligible 25 kg express", eligible, (25000, 100, 40, 30, True), {}),
    ("loyalty after 1,234 shipments", loyalty, (1234,), {}),
    ("insurance on 1,200.00, zone 3", insurance, (), {"declared_value": 1200, "zone": 3}),
    ("peak_price day 330 (no caps)", peak_price, (330, 80.0), {}),
    ("label for Zürich", label, ("  Zürich ", 3, 2.5), {}),
    ("manifest of 3 parcels", manifest, ([1200, 40000, 800],), {}),
    ("shipment zone 9 (invalid)", shipment, ({**SHIPMENT, "zone": 9},), {}),
]


def outcome(call: Callable[..., object], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    try:
        return repr(call(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the demo shows every error kind
        return f"{type(exc).__name__} (.kind={getattr(exc, 'kind', '?')})"


def main() -> None:
    print(f"{'call':<30} {'native':>36} {'wasm':>36}")
    for title, rule, args, kwargs in CALLS:
        native = outcome(rule.main, args, kwargs)
        wasm = outcome(rule.Sandbox(backend="wasm").main, args, kwargs)
        print(f"{title:<30} {native:>36} {wasm:>36}")
    for backend in ("native", "wasm"):
        document = shipment.Sandbox(backend=backend).main(SHIPMENT)
        print(f"{backend}: shipment of 2 parcels, express, zone 2 -> {document!r}")
    for backend in ("native", "wasm"):
        clock = peak_price.Sandbox(caps={"reads_clock"}, backend=backend)
        tight = loyalty.Sandbox(max_steps=10, backend=backend)
        print(f"{backend}: peak_price(330, 80.0) with reads_clock = {clock.main(330, 80.0)!r}")
        print(f"{backend}: peak_price(100, 80.0) with reads_clock = {clock.main(100, 80.0)!r}")
        print(f"{backend}: loyalty(5000) with max_steps=10 -> {outcome(tight.main, (5000,), {})}")


if __name__ == "__main__":
    main()
