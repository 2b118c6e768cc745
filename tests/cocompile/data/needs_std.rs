#[no_mangle]
pub extern "C" fn count(x: i64) -> i64 {
    let v: Vec<i64> = (0..x).collect();
    v.len() as i64
}
