/* A NumPy data allocator (NEP 49) whose every array starts on a 64-byte boundary, for
 * descent_bench.measurement.aligned_arrays: in a counted process, how many elements a
 * vector loop peels, and whether a library can use a host buffer without a copy, must not
 * depend on where the heap happened to put the array. Needs Python's and NumPy's headers. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define ALIGNMENT 64

static void *aligned_malloc(void *ctx, size_t size) {
    void *p = NULL;
    (void)ctx;
    return posix_memalign(&p, ALIGNMENT, size ? size : 1) == 0 ? p : NULL;
}

static void *aligned_calloc(void *ctx, size_t count, size_t each) {
    if (each && count > (size_t)-1 / each) return NULL;
    void *p = aligned_malloc(ctx, count * each);
    if (p) memset(p, 0, count * each);
    return p;
}

static void *aligned_realloc(void *ctx, void *old, size_t size) {
    void *p = aligned_malloc(ctx, size);
    if (p && old) {
        size_t kept = malloc_usable_size(old);
        memcpy(p, old, kept < size ? kept : size);
        free(old);
    }
    return p;
}

static void aligned_free(void *ctx, void *p, size_t size) {
    (void)ctx;
    (void)size;
    free(p);
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
