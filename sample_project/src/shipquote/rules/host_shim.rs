// Host functions for the shipping rules. Plain `core` Rust: the build wraps this file in a
// no_std crate with a panic handler and inlines these functions into the compiled rules.

/// Base rate in cents per started kilogram for a delivery zone (1..=4).
#[no_mangle]
pub extern "C" fn zone_rate_cents(zone: i64) -> i64 {
    match zone {
        1 => 450,
        2 => 620,
        3 => 890,
        4 => 1340,
        _ => panic!("unknown zone"),
    }
}

/// Insurance premium as a fraction of the declared value, per zone.
#[no_mangle]
pub extern "C" fn insurance_rate(zone: i64) -> f64 {
    if zone <= 2 {
        0.008
    } else {
        0.0125
    }
}

/// Whether a day of the year falls in the carrier's peak season. Declared as reading the
/// clock in pyproject.toml, so callers must grant `reads_clock`.
#[no_mangle]
pub extern "C" fn peak_season(day_of_year: i64) -> bool {
    day_of_year >= 319 || (day_of_year >= 46 && day_of_year <= 52)
}
