"""The panic handler every crate we compile gets: the message goes to the note, then trap.

A host function (or the runtime crate) that panics calls this handler; it formats the
panic with ``Display`` (location and message) into a fixed buffer of the note's size,
hands it to ``relon_note`` and calls ``relon_trap``. The loader reads the note after
status 7 or a wasm trap, so ``HostPanic`` carries the message on both backends.

Written once here for the shim crate root and the runtime crate. It is a module of
its own so its names never meet the shim's (whose items the crate root re-exports).
It must build with rustc 1.63 (Debian's wasm32 toolchain).
"""

from __future__ import annotations

from .._relon_runtime.abi import NOTE_CAPACITY, NOTE_FUNCTION

__all__ = ["PANIC_NOTE_MODULE"]

# No slicing or indexing inside: a bounds check that failed here would re-enter the
# handler. Cold and never inlined, so core::fmt is linked into this one function only.
PANIC_NOTE_MODULE = f"""
mod relon_panic_note {{
    extern "C" {{
        fn {NOTE_FUNCTION}(text: *const u8, len: i64);
        fn relon_trap() -> !;
    }}

    struct Message {{
        text: [u8; {NOTE_CAPACITY}],
        len: usize,
    }}

    impl core::fmt::Write for Message {{
        fn write_str(&mut self, piece: &str) -> core::fmt::Result {{
            let room = {NOTE_CAPACITY} - self.len;
            let take = if piece.len() < room {{ piece.len() }} else {{ room }};
            unsafe {{
                let end = self.text.as_mut_ptr().add(self.len);
                core::ptr::copy_nonoverlapping(piece.as_ptr(), end, take);
            }}
            self.len += take;
            Ok(())
        }}
    }}

    #[panic_handler]
    #[cold]
    #[inline(never)]
    fn relon_panic(info: &core::panic::PanicInfo) -> ! {{
        let mut message = Message {{ text: [0; {NOTE_CAPACITY}], len: 0 }};
        let _ = core::fmt::write(&mut message, format_args!("{{}}", info));
        unsafe {{
            {NOTE_FUNCTION}(message.text.as_ptr(), message.len as i64);
            relon_trap()
        }}
    }}
}}
"""
