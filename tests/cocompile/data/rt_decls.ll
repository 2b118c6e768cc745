; Declares every runtime function of docs/runtime.md with the types codegen uses, so
; that linking the runtime crate into this module checks the Rust definitions match.
declare i64 @relon_rt_f64_to_text(double, ptr)
declare i64 @relon_rt_i64_to_text(i64, ptr)
declare i32 @relon_rt_bytes_cmp(ptr, i64, ptr, i64)
declare i32 @relon_rt_str_contains(ptr, i64, ptr, i64)
declare i32 @relon_rt_str_starts_with(ptr, i64, ptr, i64)
declare i32 @relon_rt_str_ends_with(ptr, i64, ptr, i64)
declare void @relon_rt_str_ascii_upper(ptr, i64, ptr)
declare void @relon_rt_str_ascii_lower(ptr, i64, ptr)
declare void @relon_rt_str_trim(ptr, i64, ptr, ptr)
declare i32 @relon_rt_str_is_char_boundary(ptr, i64, i64)
declare i32 @relon_rt_str_replace(ptr, ptr, i64, ptr, i64, ptr, i64, ptr)
declare i32 @relon_rt_str_split(ptr, ptr, i64, ptr, i64, ptr)
declare i32 @relon_rt_str_join(ptr, ptr, i64, ptr, i64, ptr)
declare i32 @relon_rt_sort(ptr, i32, ptr, i64)
declare i32 @relon_rt_unique(ptr, i32, ptr, i64, ptr)
declare double @relon_rt_pow(double, double)

define i32 @relon_t_unused() {
  ret i32 0
}
