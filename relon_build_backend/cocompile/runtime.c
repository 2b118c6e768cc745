/* The native runtime linked into every relon shared library (docs/abi.md).
 *
 * relon_guard(thunk, frame) runs thunk(frame) with a recovery point: a host
 * function that panics calls relon_trap() (from the shim's panic handler), which
 * longjmps back so the entry returns status 7 (HostPanic) instead of killing the
 * process. The jmp_buf pointer is thread-local (threads never share it) and each
 * guard saves and restores the previous one (nested and reentrant calls).
 *
 * Arenas ("Memory during a call"): each call's strings and lists are bump-allocated
 * from a chain of malloc'd chunks owned by the call; nothing is shared between
 * calls or threads. relon_arena_detach hands the chain to the loader as the result
 * handle, which it gives back to relon_release once it has copied the results.
 *
 * Notes: a failing call leaves what its status cannot say (a panic message, the host
 * function a capability was missing for) in this thread's note; the loader reads it
 * through relon_note_buffer() on the same thread and empties it.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The ABI facts come from _relon_runtime/abi.py, passed as -D by cocompile/runtime.py. */
#if !defined(RELON_ABI_VERSION) || !defined(RELON_STATUS_HOST_PANIC) \
    || !defined(RELON_NOTE_CAPACITY) || !defined(RELON_DEFAULT_MAX_MEMORY)
#error "compile with the -D flags of runtime.py (the ABI facts of _relon_runtime/abi.py)"
#endif

/* Chunk sizes double from the first up to the largest; a request above half the
 * standard size gets a chunk of its own (so big lists waste nothing). */
#define RELON_FIRST_CHUNK ((size_t)4096)
#define RELON_LARGEST_CHUNK ((size_t)1 << 20)

typedef int32_t (*relon_thunk)(void *frame);

typedef struct relon_chunk {
    struct relon_chunk *next; /* the chunks allocated before this one */
    size_t size;              /* usable bytes in data */
    size_t used;
    _Alignas(8) unsigned char data[];
} relon_chunk;

/* docs/abi.md declares relon_arena as int64_t[2]; generated code never looks inside. */
typedef struct relon_arena {
    relon_chunk *head; /* the chunk being filled, or NULL before the first allocation */
    int64_t budget;    /* bytes the call may still allocate (its memory limit) */
} relon_arena;

_Static_assert(sizeof(relon_arena) == 2 * sizeof(int64_t), "relon_arena is int64_t[2]");

typedef struct relon_note_area {
    int64_t len;
    unsigned char text[RELON_NOTE_CAPACITY];
} relon_note_area;

static _Thread_local jmp_buf *relon_current_guard;
static _Thread_local relon_note_area relon_current_note;
/* What each call on this thread may allocate; the loader sets it around calls. */
static _Thread_local int64_t relon_memory_limit = RELON_DEFAULT_MAX_MEMORY;

/* What a zero-byte allocation returns: a valid, 8-aligned, never-written address. */
static int64_t relon_empty_block;

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

relon_note_area *relon_note_buffer(void) { return &relon_current_note; }

void relon_note(const unsigned char *text, int64_t len) {
    if (len < 0) {
        len = 0;
    }
    if (len > RELON_NOTE_CAPACITY) {
        len = RELON_NOTE_CAPACITY;
    }
    memcpy(relon_current_note.text, text, (size_t)len);
    relon_current_note.len = len;
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

static void relon_free_chain(relon_chunk *chunk) {
    while (chunk != NULL) {
        relon_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
}

static relon_chunk *relon_new_chunk(size_t size) {
    relon_chunk *chunk = malloc(sizeof(relon_chunk) + size);
    if (chunk != NULL) {
        chunk->next = NULL;
        chunk->size = size;
        chunk->used = 0;
    }
    return chunk;
}

void relon_set_memory_limit(int64_t bytes) { relon_memory_limit = bytes < 0 ? 0 : bytes; }

void relon_arena_init(relon_arena *arena) {
    arena->head = NULL;
    arena->budget = relon_memory_limit;
}

void *relon_arena_alloc(relon_arena *arena, int64_t size) {
    if (size < 0 || size > arena->budget) {
        return NULL; /* past the call's memory limit: ValueTooLarge */
    }
    size_t need = ((size_t)size + 7) & ~(size_t)7;
    if (need == 0) {
        return &relon_empty_block;
    }
    if ((int64_t)need > arena->budget) {
        return NULL;
    }
    arena->budget -= (int64_t)need; /* counted as on wasm32: 8-aligned requests */
    relon_chunk *head = arena->head;
    if (head != NULL && head->size - head->used >= need) {
        void *block = head->data + head->used;
        head->used += need;
        return block;
    }
    size_t standard = RELON_FIRST_CHUNK;
    if (head != NULL) {
        standard = head->size >= RELON_LARGEST_CHUNK / 2 ? RELON_LARGEST_CHUNK : head->size * 2;
    }
    int dedicated = need > standard / 2;
    relon_chunk *chunk = relon_new_chunk(dedicated ? need : standard);
    if (chunk == NULL) {
        return NULL;
    }
    chunk->used = need;
    if (dedicated && head != NULL) {
        /* Behind the head, which keeps filling its free space. */
        chunk->next = head->next;
        head->next = chunk;
    } else {
        chunk->next = head;
        arena->head = chunk;
    }
    return chunk->data;
}

void relon_arena_free(relon_arena *arena) {
    relon_free_chain(arena->head);
    arena->head = NULL;
}

int64_t relon_arena_detach(relon_arena *arena) {
    int64_t handle = (int64_t)(intptr_t)arena->head;
    arena->head = NULL;
    return handle;
}

void relon_release(int64_t handle) { relon_free_chain((relon_chunk *)(intptr_t)handle); }
