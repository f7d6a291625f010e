/* A NumPy data allocator (NEP 49) whose every array starts on a 64-byte boundary, for
 * descent_bench.measurement.aligned_arrays: in a counted process, how many elements a
 * vector loop peels, and whether a library can use a host buffer without a copy, must not
 * depend on where the heap happened to put the array. Needs Python's and NumPy's headers. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALIGNMENT 64

/* Each block is one plain malloc, ALIGNMENT + HEADER bytes larger than asked for, so that
 * its cost stays that of malloc's usual path (posix_memalign's is larger and depends on
 * the heap); the header just below the aligned start keeps malloc's pointer and the size. */
typedef struct {
    void *raw;
    size_t size;
} header;
#define HEADER sizeof(header)

static void *aligned_malloc(void *ctx, size_t size) {
    (void)ctx;
    if (size > (size_t)-1 - ALIGNMENT - HEADER) return NULL;
    unsigned char *raw = malloc(size + ALIGNMENT + HEADER);
    if (raw == NULL) return NULL;
    uintptr_t start = ((uintptr_t)raw + HEADER + ALIGNMENT - 1) & ~(uintptr_t)(ALIGNMENT - 1);
    header *h = (header *)start - 1;
    h->raw = raw;
    h->size = size;
    return (void *)start;
}

static void *aligned_calloc(void *ctx, size_t count, size_t each) {
    if (each && count > (size_t)-1 / each) return NULL;
    void *p = aligned_malloc(ctx, count * each);
    if (p) memset(p, 0, count * each);
    return p;
}

static void aligned_free(void *ctx, void *p, size_t size) {
    (void)ctx;
    (void)size;
    if (p) free(((header *)p - 1)->raw);
}

static void *aligned_realloc(void *ctx, void *old, size_t size) {
    void *p = aligned_malloc(ctx, size);
    if (p && old) {
        size_t kept = ((header *)old - 1)->size;
        memcpy(p, old, kept < size ? kept : size);
        aligned_free(ctx, old, kept);
    }
    return p;
}

static PyDataMem_Handler handler = {
    "descent_bench_aligned_64", 1,
    {NULL, aligned_malloc, aligned_calloc, aligned_realloc, aligned_free}};

/* Make the handler this process's default; 0 on success, -1 with a Python error set. */
int descent_bench_align_numpy(void) {
    if (_import_array() < 0) return -1;
    PyObject *capsule = PyCapsule_New(&handler, "mem_handler", NULL);
    if (capsule == NULL) return -1;
    PyObject *previous = PyDataMem_SetHandler(capsule);
    Py_DECREF(capsule);
    if (previous == NULL) return -1;
    Py_DECREF(previous);
    return 0;
}
