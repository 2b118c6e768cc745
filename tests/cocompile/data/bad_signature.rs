#[no_mangle]
pub extern "C" fn ok(x: i64) -> i64 { x }

#[no_mangle]
pub extern "C" fn bad(x: i32, flag: bool) -> u8 { 0 }

#[no_mangle]
pub extern "C" fn nothing(x: i64) {}
