; A hand-written rule in the shape codegen emits natively: host calls run under
; relon_guard(thunk, frame); the entry returns the guard's status.
declare i64 @host_add(i64)
declare i64 @host_div(i64)
declare i64 @host_checked(i64)
declare i64 @clock_add(i64)
declare i32 @relon_guard(ptr, ptr)

define internal i32 @thunk(ptr %frame) {
  %x = load i64, ptr %frame
  %a = call i64 @host_div(i64 %x)
  %b = call i64 @host_add(i64 %a)
  %c = call i64 @clock_add(i64 %b)
  %d = call i64 @host_checked(i64 %c)
  %out = getelementptr i64, ptr %frame, i64 1
  store i64 %d, ptr %out
  ret i32 0
}

define i32 @relon_t_main(i64 %x, ptr %out) {
  %frame = alloca [2 x i64], align 8
  store i64 %x, ptr %frame
  %st = call i32 @relon_guard(ptr @thunk, ptr %frame)
  %ok = icmp eq i32 %st, 0
  br i1 %ok, label %good, label %done
good:
  %p = getelementptr i64, ptr %frame, i64 1
  %v = load i64, ptr %p
  store i64 %v, ptr %out
  br label %done
done:
  ret i32 %st
}

define i64 @relon_t_hash() {
  ret i64 1234
}
