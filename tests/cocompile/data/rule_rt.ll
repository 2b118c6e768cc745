; A hand-written rule in the shape codegen emits for strings: the entry owns an
; arena, formats host_add(a) + x as text into it, writes { ptr, len } to the result
; slot and the detached arena as the result handle after it (docs/abi.md).
declare i64 @host_add(i64)
declare i64 @relon_rt_f64_to_text(double, ptr)
declare i32 @relon_rt_str_contains(ptr, i64, ptr, i64)
declare void @relon_arena_init(ptr)
declare ptr @relon_arena_alloc(ptr, i64)
declare void @relon_arena_free(ptr)
declare i64 @relon_arena_detach(ptr)

define i32 @relon_t_text(double %x, i64 %a, ptr %out) {
entry:
  %arena = alloca [2 x i64], align 8
  call void @relon_arena_init(ptr %arena)
  %buf = call ptr @relon_arena_alloc(ptr %arena, i64 400)
  %null = icmp eq ptr %buf, null
  br i1 %null, label %oom, label %format
format:
  %h = call i64 @host_add(i64 %a)
  %hf = sitofp i64 %h to double
  %sum = fadd double %x, %hf
  %len = call i64 @relon_rt_f64_to_text(double %sum, ptr %buf)
  store ptr %buf, ptr %out, align 8
  %len_slot = getelementptr i8, ptr %out, i64 8
  store i64 %len, ptr %len_slot, align 8
  %handle = call i64 @relon_arena_detach(ptr %arena)
  %handle_slot = getelementptr i8, ptr %out, i64 16
  store i64 %handle, ptr %handle_slot, align 8
  ret i32 0
oom:
  call void @relon_arena_free(ptr %arena)
  ret i32 6
}

define i32 @relon_t_has(ptr %s, i64 %s_len, ptr %n, i64 %n_len, ptr %out) {
  %r = call i32 @relon_rt_str_contains(ptr %s, i64 %s_len, ptr %n, i64 %n_len)
  store i32 %r, ptr %out, align 8
  ret i32 0
}
