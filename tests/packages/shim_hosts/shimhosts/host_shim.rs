// One pure and one gated host function; the rules below call them by bare name.

#[no_mangle]
pub extern "C" fn add_tax(cents: i64) -> i64 {
    cents + cents / 5
}

/// Gated by "reads_clock" in pyproject.toml.
#[no_mangle]
pub extern "C" fn clock_offset(x: i64) -> i64 {
    x + 1000
}
