// i32 is not a Relon type: only i64, f64 and bool may cross.

#[no_mangle]
pub extern "C" fn scale(x: i32) -> i64 {
    (x as i64) * 2
}
