// A shim with pure and gated host functions (compiles under rustc 1.63 and 1.95).

/* a commented-out function is not a host function:
#[no_mangle] pub extern "C" fn ghost(x: String) -> i64 { 0 }
*/

#[no_mangle]
pub extern "C" fn host_add(x: i64) -> i64 {
    x + 42
}

#[no_mangle]
pub extern "C" fn host_div(x: i64) -> i64 {
    // Panics (division by zero) for x == 0: the guard turns it into HostPanic.
    100 / x
}

#[no_mangle]
pub extern "C" fn host_checked(x: i64) -> i64 {
    // An i64 overflow check lowers to a 128-bit multiply on wasm32 (__multi3).
    match x.checked_mul(3) {
        Some(v) => v,
        None => -1,
    }
}

#[no_mangle]
pub
unsafe
extern "C"
fn host_scale(
    x: f64, // the value
    on: bool,
) -> f64 {
    if on { x * 2.5 } else { x }
}

#[no_mangle]
pub extern "C" fn clock_add(x: i64) -> i64 {
    x + 1000
}

fn helper_not_exported(s: &str) -> usize {
    s.len()
}
