/* The native runtime linked into every relon shared library (docs/abi.md).
 *
 * relon_guard(thunk, frame) runs thunk(frame) with a recovery point: a host
 * function that panics calls relon_trap() (from the shim's panic handler), which
 * longjmps back so the entry returns status 7 (HostPanic) instead of killing the
 * process. The jmp_buf pointer is thread-local (threads never share it) and each
 * guard saves and restores the previous one (nested and reentrant calls).
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#define RELON_ABI_VERSION 1
#define RELON_STATUS_HOST_PANIC 7

typedef int32_t (*relon_thunk)(void *frame);

static _Thread_local jmp_buf *relon_current_guard;

int32_t relon_abi_version(void) { return RELON_ABI_VERSION; }

int32_t relon_guard(relon_thunk thunk, void *frame) {
    jmp_buf here;
    jmp_buf *volatile previous = relon_current_guard;
    if (setjmp(here) != 0) {
        relon_current_guard = previous;
        return RELON_STATUS_HOST_PANIC;
    }
    relon_current_guard = &here;
    int32_t status = thunk(frame);
    relon_current_guard = previous;
    return status;
}

void relon_trap(void) {
    jmp_buf *target = relon_current_guard;
    if (target == NULL) {
        /* A host function panicked outside any guard: a codegen bug; nothing to
           return to, so stop rather than continue in a corrupt state. */
        abort();
    }
    longjmp(*target, 1);
}
