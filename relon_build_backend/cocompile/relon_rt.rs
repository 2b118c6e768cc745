//! The Relon runtime library (docs/runtime.md): string and list operations too large
//! to generate inline, and a `pow` giving the same bits on every target. Compiled per
//! target by the rustc that compiles host shims, so native and wasm32 share `core`'s
//! algorithms (float Display, substring search).
//!
//! Must build with rustc 1.63 (Debian's wasm32 toolchain) and current stable: no
//! let-else, no newer core APIs. Every allocation goes through the call's arena;
//! a function returning `i32` returns a docs/abi.md status.
#![no_std]
// Every function's safety contract is the C ABI of docs/runtime.md.
#![allow(clippy::missing_safety_doc)]

use core::cmp::Ordering;
use core::fmt::{self, Write};
use core::{mem, ptr, slice, str};

const OK: i32 = 0;
const EMPTY_LIST: i32 = 4;
const OUT_OF_MEMORY: i32 = 9; // ValueTooLarge: the call's memory limit is reached

/// Opaque `relon_arena` (docs/abi.md); only the C/IR runtime looks inside.
#[repr(C)]
pub struct Arena {
    _opaque: [i64; 2],
}

/// `RelonStr` and the `{ items, count }` list pair. The pointer is stored as a u64 so
/// that on wasm32 (4-byte pointers) the 4 padding bytes after it are written as zero.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct RelonStr {
    ptr: u64,
    len: i64,
}

impl RelonStr {
    fn of(bytes: &[u8]) -> RelonStr {
        RelonStr {
            ptr: bytes.as_ptr() as usize as u64,
            len: bytes.len() as i64,
        }
    }

    unsafe fn bytes<'a>(self) -> &'a [u8] {
        bytes(self.ptr as usize as *const u8, self.len)
    }
}

extern "C" {
    fn relon_trap() -> !;
    fn relon_arena_alloc(arena: *mut Arena, size: i64) -> *mut u8;
}

// The panic handler is appended by cocompile/runtime_crate.py (cocompile/panic_note.py).

// ------------------------------------------------------------------------ helpers

unsafe fn bytes<'a>(data: *const u8, len: i64) -> &'a [u8] {
    // An empty value may come with any pointer (even NULL): never dereference it.
    if len <= 0 {
        &[]
    } else {
        slice::from_raw_parts(data, len as usize)
    }
}

unsafe fn text<'a>(data: *const u8, len: i64) -> &'a str {
    // The loader and the runtime only ever produce valid UTF-8 (docs/abi.md).
    str::from_utf8_unchecked(bytes(data, len))
}

unsafe fn alloc(arena: *mut Arena, size: usize) -> Option<*mut u8> {
    if size > i64::MAX as usize {
        return None;
    }
    let block = relon_arena_alloc(arena, size as i64);
    if block.is_null() {
        None
    } else {
        Some(block)
    }
}

unsafe fn alloc_array<T>(arena: *mut Arena, n: usize) -> Option<*mut T> {
    match n.checked_mul(mem::size_of::<T>()) {
        Some(size) => alloc(arena, size).map(|block| block as *mut T),
        None => None,
    }
}

unsafe fn copy_at(dst: *mut u8, at: usize, src: &[u8]) -> usize {
    ptr::copy_nonoverlapping(src.as_ptr(), dst.add(at), src.len());
    at + src.len()
}

/// A `fmt::Write` into a caller's fixed buffer.
struct FixedBuffer {
    data: *mut u8,
    len: usize,
    capacity: usize,
}

impl Write for FixedBuffer {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.len + s.len() > self.capacity {
            return Err(fmt::Error);
        }
        self.len = unsafe { copy_at(self.data, self.len, s.as_bytes()) };
        Ok(())
    }
}

unsafe fn display(value: &dyn fmt::Display, buf: *mut u8, capacity: usize) -> i64 {
    let mut out = FixedBuffer {
        data: buf,
        len: 0,
        capacity,
    };
    if write!(out, "{}", value).is_err() {
        relon_trap(); // the documented buffer sizes always suffice: our bug
    }
    out.len as i64
}

fn status_of(ordering: Ordering) -> i32 {
    match ordering {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

// ------------------------------------------------------------------------ text

/// `buf` >= 400 bytes (the longest f64 text, -5e-324, has 327); returns the length.
#[no_mangle]
pub unsafe extern "C" fn relon_rt_f64_to_text(x: f64, buf: *mut u8) -> i64 {
    display(&x, buf, 400)
}

/// `buf` >= 20 bytes; returns the length.
#[no_mangle]
pub unsafe extern "C" fn relon_rt_i64_to_text(x: i64, buf: *mut u8) -> i64 {
    display(&x, buf, 20)
}

#[no_mangle]
pub unsafe extern "C" fn relon_rt_bytes_cmp(
    a: *const u8,
    a_len: i64,
    b: *const u8,
    b_len: i64,
) -> i32 {
    status_of(bytes(a, a_len).cmp(bytes(b, b_len)))
}

#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_contains(
    s: *const u8,
    s_len: i64,
    needle: *const u8,
    needle_len: i64,
) -> i32 {
    text(s, s_len).contains(text(needle, needle_len)) as i32
}

#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_starts_with(
    s: *const u8,
    s_len: i64,
    prefix: *const u8,
    prefix_len: i64,
) -> i32 {
    bytes(s, s_len).starts_with(bytes(prefix, prefix_len)) as i32
}

#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_ends_with(
    s: *const u8,
    s_len: i64,
    suffix: *const u8,
    suffix_len: i64,
) -> i32 {
    bytes(s, s_len).ends_with(bytes(suffix, suffix_len)) as i32
}

#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_ascii_upper(s: *const u8, s_len: i64, out: *mut u8) {
    for (i, byte) in bytes(s, s_len).iter().enumerate() {
        *out.add(i) = byte.to_ascii_uppercase();
    }
}

#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_ascii_lower(s: *const u8, s_len: i64, out: *mut u8) {
    for (i, byte) in bytes(s, s_len).iter().enumerate() {
        *out.add(i) = byte.to_ascii_lowercase();
    }
}

/// The trimmed sub-slice as `(start, len)` within `s` (no copy). All white space
/// gives `(0, 0)`, as Rust's `trim_matches` does.
#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_trim(
    s: *const u8,
    s_len: i64,
    start: *mut i64,
    len: *mut i64,
) {
    let whole = text(s, s_len);
    let trimmed = whole.trim();
    *start = (trimmed.as_ptr() as usize - whole.as_ptr() as usize) as i64;
    *len = trimmed.len() as i64;
}

/// 0/1; any index outside `0..=len` is not a boundary.
#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_is_char_boundary(
    s: *const u8,
    s_len: i64,
    index: i64,
) -> i32 {
    if index < 0 || index > s_len.max(0) {
        return 0;
    }
    text(s, s_len).is_char_boundary(index as usize) as i32
}

/// Rust's `str::replace` (an empty `from` inserts `to` at every char boundary), into
/// a fresh arena string.
#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_replace(
    arena: *mut Arena,
    s: *const u8,
    s_len: i64,
    from: *const u8,
    from_len: i64,
    to: *const u8,
    to_len: i64,
    out: *mut RelonStr,
) -> i32 {
    let (s, from, to) = (text(s, s_len), text(from, from_len), bytes(to, to_len));
    // Two passes over the matches: size first, so one allocation suffices.
    let mut size = 0;
    let mut last = 0;
    for (start, part) in s.match_indices(from) {
        size += start - last + to.len();
        last = start + part.len();
    }
    size += s.len() - last;
    let data = match alloc(arena, size) {
        Some(data) => data,
        None => return OUT_OF_MEMORY,
    };
    let (mut at, mut last) = (0, 0);
    for (start, part) in s.match_indices(from) {
        at = copy_at(data, at, &s.as_bytes()[last..start]);
        at = copy_at(data, at, to);
        last = start + part.len();
    }
    copy_at(data, at, &s.as_bytes()[last..]);
    *out = RelonStr::of(slice::from_raw_parts(data, size));
    OK
}

/// Rust's `str::split` into a fresh arena `List<String>` whose items point into `s`.
/// An empty separator is status 4 (EmptyList).
#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_split(
    arena: *mut Arena,
    s: *const u8,
    s_len: i64,
    sep: *const u8,
    sep_len: i64,
    out: *mut RelonStr,
) -> i32 {
    if sep_len <= 0 {
        return EMPTY_LIST;
    }
    let (s, sep) = (text(s, s_len), text(sep, sep_len));
    let count = s.split(sep).count();
    let items = match alloc_array::<RelonStr>(arena, count) {
        Some(items) => items,
        None => return OUT_OF_MEMORY,
    };
    for (i, part) in s.split(sep).enumerate() {
        *items.add(i) = RelonStr::of(part.as_bytes());
    }
    *out = RelonStr {
        ptr: items as usize as u64,
        len: count as i64,
    };
    OK
}

/// The `n` strings at `items` joined by `sep`, into a fresh arena string.
#[no_mangle]
pub unsafe extern "C" fn relon_rt_str_join(
    arena: *mut Arena,
    items: *const RelonStr,
    n: i64,
    sep: *const u8,
    sep_len: i64,
    out: *mut RelonStr,
) -> i32 {
    let items: &[RelonStr] = if n <= 0 {
        &[]
    } else {
        slice::from_raw_parts(items, n as usize)
    };
    let sep = bytes(sep, sep_len);
    let mut size = sep.len() * items.len().saturating_sub(1);
    for item in items {
        size += item.bytes().len();
    }
    let data = match alloc(arena, size) {
        Some(data) => data,
        None => return OUT_OF_MEMORY,
    };
    let mut at = 0;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            at = copy_at(data, at, sep);
        }
        at = copy_at(data, at, item.bytes());
    }
    *out = RelonStr::of(slice::from_raw_parts(data, size));
    OK
}

// ------------------------------------------------------------------------ lists

const KIND_INT: i32 = 0;
const KIND_FLOAT: i32 = 1;
const KIND_BOOL: i32 = 2;
const KIND_STRING: i32 = 3;

/// IEEE totalOrder (ListOp.SORT): -NaN < -inf < ... < -0.0 < 0.0 < ... < NaN.
fn float_order(a: &f64, b: &f64) -> Ordering {
    a.total_cmp(b)
}

/// An order whose equality is the language's (NaN == NaN, -0.0 == 0.0): ListOp.UNIQUE.
fn float_equality_order(a: &f64, b: &f64) -> Ordering {
    canonical(*a).total_cmp(&canonical(*b))
}

fn canonical(x: f64) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else if x == 0.0 {
        0.0
    } else {
        x
    }
}

unsafe fn string_order(a: &RelonStr, b: &RelonStr) -> Ordering {
    a.bytes().cmp(b.bytes())
}

/// Stable bottom-up merge sort of `v`, with a scratch copy from the arena.
unsafe fn merge_sort<T: Copy, F: Fn(&T, &T) -> Ordering>(
    arena: *mut Arena,
    v: &mut [T],
    order: F,
) -> i32 {
    let n = v.len();
    if n < 2 {
        return OK;
    }
    let scratch = match alloc_array::<T>(arena, n) {
        Some(scratch) => scratch,
        None => return OUT_OF_MEMORY,
    };
    let (mut src, mut dst) = (v.as_mut_ptr(), scratch);
    let mut width = 1;
    while width < n {
        let (from, to) = (
            slice::from_raw_parts(src, n),
            slice::from_raw_parts_mut(dst, n),
        );
        let mut lo = 0;
        while lo < n {
            let mid = n.min(lo + width);
            let hi = n.min(mid + width);
            merge(from, to, lo, mid, hi, &order);
            lo = hi;
        }
        mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    if src != v.as_mut_ptr() {
        ptr::copy_nonoverlapping(src, v.as_mut_ptr(), n);
    }
    OK
}

fn merge<T: Copy, F: Fn(&T, &T) -> Ordering>(
    from: &[T],
    to: &mut [T],
    lo: usize,
    mid: usize,
    hi: usize,
    order: &F,
) {
    let (mut i, mut j) = (lo, mid);
    for slot in &mut to[lo..hi] {
        // Take from the right run only when strictly smaller: equal items keep their order.
        if j < hi && (i >= mid || order(&from[j], &from[i]) == Ordering::Less) {
            *slot = from[j];
            j += 1;
        } else {
            *slot = from[i];
            i += 1;
        }
    }
}

/// Keeps the first occurrence of each value (equal under `order`), in order; returns
/// the new length. Sorting indices keeps it O(n log n) for any list.
unsafe fn unique_by<T: Copy, F: Fn(&T, &T) -> Ordering>(
    arena: *mut Arena,
    v: &mut [T],
    order: F,
) -> Result<usize, i32> {
    let n = v.len();
    if n < 2 {
        return Ok(n);
    }
    let (index, keep) = match (alloc_array::<usize>(arena, n), alloc_array::<u8>(arena, n)) {
        (Some(index), Some(keep)) => (
            slice::from_raw_parts_mut(index, n),
            slice::from_raw_parts_mut(keep, n),
        ),
        _ => return Err(OUT_OF_MEMORY),
    };
    for (i, slot) in index.iter_mut().enumerate() {
        *slot = i;
        keep[i] = 0;
    }
    let status = merge_sort(arena, index, |a, b| order(&v[*a], &v[*b]));
    if status != OK {
        return Err(status);
    }
    // The sort is stable, so each run of equal values starts with its first occurrence.
    keep[index[0]] = 1;
    for k in 1..n {
        if order(&v[index[k - 1]], &v[index[k]]) != Ordering::Equal {
            keep[index[k]] = 1;
        }
    }
    let mut len = 0;
    for i in 0..n {
        if keep[i] != 0 {
            v[len] = v[i];
            len += 1;
        }
    }
    Ok(len)
}

unsafe fn items<'a, T>(data: *mut u8, n: i64) -> &'a mut [T] {
    if n <= 0 {
        &mut []
    } else {
        slice::from_raw_parts_mut(data as *mut T, n as usize)
    }
}

/// Sorts `n` items of `kind` in place (ListOp.SORT: stable, ascending).
#[no_mangle]
pub unsafe extern "C" fn relon_rt_sort(arena: *mut Arena, kind: i32, data: *mut u8, n: i64) -> i32 {
    match kind {
        KIND_INT => merge_sort(arena, items::<i64>(data, n), |a, b| a.cmp(b)),
        KIND_FLOAT => merge_sort(arena, items::<f64>(data, n), float_order),
        KIND_BOOL => merge_sort(arena, items::<u8>(data, n), |a, b| a.cmp(b)),
        KIND_STRING => merge_sort(arena, items::<RelonStr>(data, n), |a, b| string_order(a, b)),
        _ => relon_trap(), // codegen passes only the kinds above
    }
}

/// Drops repeated items of `kind` in place (ListOp.UNIQUE); `*new_len` on success.
#[no_mangle]
pub unsafe extern "C" fn relon_rt_unique(
    arena: *mut Arena,
    kind: i32,
    data: *mut u8,
    n: i64,
    new_len: *mut i64,
) -> i32 {
    let result = match kind {
        KIND_INT => unique_by(arena, items::<i64>(data, n), |a, b| a.cmp(b)),
        KIND_FLOAT => unique_by(arena, items::<f64>(data, n), float_equality_order),
        KIND_BOOL => unique_by(arena, items::<u8>(data, n), |a, b| a.cmp(b)),
        KIND_STRING => unique_by(arena, items::<RelonStr>(data, n), |a, b| string_order(a, b)),
        _ => relon_trap(),
    };
    match result {
        Ok(len) => {
            *new_len = len as i64;
            OK
        }
        Err(status) => status,
    }
}

// ------------------------------------------------------------------------ pow

// `pow` is computed here rather than by `llvm.pow` because glibc (native) and
// compiler_builtins' libm (wasm32) round differently. Only IEEE basic operations
// (+ - * /, which both targets round identically; Rust never contracts to fma) are
// used, in double-double arithmetic: log and exp carry ~100 bits, so the result is
// within 1 ulp everywhere and correctly rounded (exact ties to even) in all our tests.

/// The unevaluated sum `hi + lo`, with `|lo| <= ulp(hi) / 2` once normalized.
#[derive(Clone, Copy)]
struct Dd {
    hi: f64,
    lo: f64,
}

const LN2: Dd = Dd {
    hi: 0.6931471805599453,
    lo: 2.3190468138462996e-17,
};
const INV_LN2: f64 = 1.4426950408889634;
const SQRT2: f64 = 1.4142135623730951;
/// 2^52 + 2^51: adding and subtracting it rounds a double below 2^51 to an integer.
const ROUNDER: f64 = 6755399441055744.0;
/// Results within 2^-30 ulp of a tie are taken as exact ties (our error is far smaller).
const TIE_SLOP: f64 = 9.313225746154785e-10;
/// Terms of the log series (|s| <= 0.1716): s^42 / 43 < 2^-111.
const LOG_TERMS: i32 = 20;
/// exp is evaluated at r / 2^EXP_HALVINGS and squared back.
const EXP_HALVINGS: i32 = 8;
const EXP_TERMS: usize = 12;

fn fast_two_sum(a: f64, b: f64) -> Dd {
    // Exact when |a| >= |b| (or a == 0).
    let hi = a + b;
    Dd {
        hi,
        lo: b - (hi - a),
    }
}

fn two_sum(a: f64, b: f64) -> Dd {
    let hi = a + b;
    let b_part = hi - a;
    Dd {
        hi,
        lo: (a - (hi - b_part)) + (b - b_part),
    }
}

fn split(a: f64) -> (f64, f64) {
    // Dekker: hi holds the top 26 bits, so products of halves are exact (no fma).
    let t = 134217729.0 * a;
    let hi = t - (t - a);
    (hi, a - hi)
}

fn two_prod(a: f64, b: f64) -> Dd {
    let p = a * b;
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    Dd {
        hi: p,
        lo: ((ah * bh - p) + ah * bl + al * bh) + al * bl,
    }
}

fn dd_add(a: Dd, b: Dd) -> Dd {
    let s = two_sum(a.hi, b.hi);
    let t = two_sum(a.lo, b.lo);
    let u = fast_two_sum(s.hi, s.lo + t.hi);
    fast_two_sum(u.hi, u.lo + t.lo)
}

fn dd_mul(a: Dd, b: Dd) -> Dd {
    let p = two_prod(a.hi, b.hi);
    fast_two_sum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi))
}

fn dd_mul_f64(a: Dd, b: f64) -> Dd {
    let p = two_prod(a.hi, b);
    fast_two_sum(p.hi, p.lo + a.lo * b)
}

fn dd_div_f64(a: Dd, b: f64) -> Dd {
    let q = a.hi / b;
    let p = two_prod(q, b);
    fast_two_sum(q, (((a.hi - p.hi) - p.lo) + a.lo) / b)
}

fn dd_neg(a: Dd) -> Dd {
    Dd {
        hi: -a.hi,
        lo: -a.lo,
    }
}

/// 2^k for -1022 <= k <= 1023.
fn pow2(k: i32) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

/// log(x) for finite x > 0.
fn log_dd(x: f64) -> Dd {
    let mut bits = x.to_bits();
    let mut k: i32 = -1023;
    if bits >> 52 == 0 {
        bits = (x * pow2(54)).to_bits(); // subnormal: normalize exactly
        k -= 54;
    }
    k += (bits >> 52) as i32;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    // m in [sqrt(1/2), sqrt(2)): no cancellation in k*ln2 + log(m).
    if m > SQRT2 {
        m *= 0.5;
        k += 1;
    }
    let f = m - 1.0; // exact (Sterbenz)
    let d = two_sum(2.0, f);
    let q = f / d.hi;
    let p = two_prod(q, d.hi);
    let s = fast_two_sum(q, (((f - p.hi) - p.lo) - q * d.lo) / d.hi); // f / (2 + f)
    let s2 = dd_mul(s, s);
    let mut series = Dd { hi: 0.0, lo: 0.0 };
    let mut i = LOG_TERMS;
    while i >= 0 {
        let coeff = dd_div_f64(Dd { hi: 2.0, lo: 0.0 }, (2 * i + 1) as f64);
        series = dd_add(dd_mul(series, s2), coeff);
        i -= 1;
    }
    dd_add(dd_mul_f64(LN2, k as f64), dd_mul(s, series))
}

/// exp(r) for |r| <= ln2 / 2 (about).
fn exp_small_dd(r: Dd) -> Dd {
    let scale = pow2(-EXP_HALVINGS);
    // Exact. Taylor: 1 + h + h^2/2 + ...; |h| < 2^-9, so h^13/13! < 2^-139.
    // The squarings multiply the relative error by 2^8: every step is double-double.
    let h = Dd {
        hi: r.hi * scale,
        lo: r.lo * scale,
    };
    let mut inverse_factorials = [Dd { hi: 1.0, lo: 0.0 }; EXP_TERMS + 1];
    let mut n = 1;
    while n <= EXP_TERMS {
        inverse_factorials[n] = dd_div_f64(inverse_factorials[n - 1], n as f64);
        n += 1;
    }
    let mut sum = Dd { hi: 0.0, lo: 0.0 };
    for coeff in inverse_factorials.iter().rev() {
        sum = dd_add(dd_mul(sum, h), *coeff);
    }
    let mut i = 0;
    while i < EXP_HALVINGS {
        sum = dd_mul(sum, sum);
        i += 1;
    }
    sum
}

/// exp(t) for -746 < t.hi < 710, rounded once (also when the result is subnormal).
fn exp_dd(t: Dd) -> f64 {
    let k = (t.hi * INV_LN2 + ROUNDER) - ROUNDER;
    let e = exp_small_dd(dd_add(t, dd_neg(dd_mul_f64(LN2, k))));
    let k = k as i32;
    // Scale in two steps: the first is exact, the last rounds (to inf or a subnormal).
    if k > 1000 {
        round_dd(e) * pow2(k - 600) * pow2(600)
    } else if k < -1000 {
        subnormal_scale(e, k)
    } else {
        round_dd(e) * pow2(k)
    }
}

/// Whether `rest` is within our error of a tie (half of `gap`): pow has exact ties,
/// e.g. 3^34 (54 bits) or 2^-1075, which must round to even, not by our error's sign.
fn near_tie(rest: f64, gap: f64) -> bool {
    let distance = if rest < 0.0 { -rest } else { rest } - 0.5 * gap;
    distance < gap * TIE_SLOP && -distance < gap * TIE_SLOP
}

/// `e.hi + e.lo` (e > 0, normalized) rounded once, ties to even.
fn round_dd(e: Dd) -> f64 {
    let step: i64 = if e.lo < 0.0 { -1 } else { 1 };
    let other = f64::from_bits((e.hi.to_bits() as i64 + step) as u64);
    let gap = if other > e.hi {
        other - e.hi
    } else {
        e.hi - other
    };
    if e.lo != 0.0 && near_tie(e.lo, gap) && e.hi.to_bits() & 1 == 1 {
        other
    } else {
        e.hi
    }
}

/// (e.hi + e.lo) * 2^k for k < -1000, rounded once: rounding e.hi + e.lo to 53 bits
/// first and then to a subnormal would often be 1 ulp off.
fn subnormal_scale(e: Dd, k: i32) -> f64 {
    let a = e.hi * pow2(k + 600); // exact, normal
    let b = e.lo * pow2(k + 600);
    let r = a * pow2(-600);
    if r > pow2(-1022) {
        return (e.hi + e.lo) * pow2(k + 600) * pow2(-600); // normal: exact
    }
    // What r misses, in the scaled units; the ulp of r is 2^-1074, 2^-474 scaled.
    let rest = (a - r * pow2(600)) + b;
    let ulp = pow2(-474);
    let (up, down) = (f64::from_bits(r.to_bits() + 1), r.to_bits().wrapping_sub(1));
    if near_tie(rest, ulp) {
        if r.to_bits() & 1 == 0 {
            r
        } else if rest > 0.0 {
            up
        } else {
            f64::from_bits(down)
        }
    } else if rest > 0.5 * ulp {
        up
    } else if rest < -0.5 * ulp {
        f64::from_bits(down)
    } else {
        r
    }
}

/// 0 if y is not an integer, 1 if odd, 2 if even (|y| >= 2^53 is even).
fn integer_kind(y: f64) -> i32 {
    if y.is_infinite() || y != y {
        return 0;
    }
    if y >= 9007199254740992.0 || y <= -9007199254740992.0 {
        return 2;
    }
    let n = y as i64;
    if n as f64 != y {
        0
    } else if n & 1 == 1 {
        1
    } else {
        2
    }
}

/// |x|^y for finite |x| > 0, x != 1, finite y != 0.
fn pow_positive(x: f64, y: f64) -> f64 {
    let ay = if y < 0.0 { -y } else { y };
    if ay < 8.470329472543003e-22 {
        return 1.0; // |y log x| < 2^-60: exp rounds to 1
    }
    let above_one = x > 1.0;
    if ay > 1.8446744073709552e19 {
        // |log x| >= 2^-53, so |y log x| > 2^11: certain overflow or underflow.
        return if above_one == (y > 0.0) {
            f64::INFINITY
        } else {
            0.0
        };
    }
    let t = dd_mul_f64(log_dd(x), y);
    if t.hi > 710.0 {
        f64::INFINITY
    } else if t.hi < -746.0 {
        0.0
    } else {
        exp_dd(t)
    }
}

/// C99 `pow` (Annex F special cases), the same bits on every target.
#[no_mangle]
pub extern "C" fn relon_rt_pow(x: f64, y: f64) -> f64 {
    if y == 0.0 || x == 1.0 {
        return 1.0; // even for a NaN x or y
    }
    if x != x {
        return x;
    }
    if y != y {
        return y;
    }
    let kind = integer_kind(y);
    let negative = x < 0.0 || (x == 0.0 && x.is_sign_negative());
    let ax = if negative { -x } else { x };
    // A negative base keeps its sign only with an odd power.
    let sign = if negative && kind == 1 { -1.0 } else { 1.0 };
    if y.is_infinite() {
        return if ax == 1.0 {
            1.0
        } else if (ax > 1.0) == (y > 0.0) {
            f64::INFINITY
        } else {
            0.0
        };
    }
    if ax == 0.0 || ax.is_infinite() {
        let huge = (ax == 0.0) == (y < 0.0);
        return sign * if huge { f64::INFINITY } else { 0.0 };
    }
    if negative && kind == 0 {
        return f64::NAN;
    }
    if ax == 1.0 {
        return sign; // -1 to an integer power
    }
    sign * pow_positive(ax, y)
}
