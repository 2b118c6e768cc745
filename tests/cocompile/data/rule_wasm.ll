; A hand-written wasm32 rule: pure host functions are called directly, the gated
; one is an env import; frem needs fmod from the compiler builtins.
declare i64 @host_add(i64)
declare i64 @host_div(i64)
declare i64 @host_checked(i64)
declare i64 @relon_import_clock_add(i64) #0

define i32 @relon_t_main(i64 %x, ptr %out) {
  %a = call i64 @host_div(i64 %x)
  %b = call i64 @host_add(i64 %a)
  %c = call i64 @relon_import_clock_add(i64 %b)
  %d = call i64 @host_checked(i64 %c)
  store i64 %d, ptr %out
  ret i32 0
}

define double @relon_t_fmod(double %x, double %y) {
  %r = frem double %x, %y
  ret double %r
}

attributes #0 = { "wasm-import-module"="env" "wasm-import-name"="clock_add" }
