"""The C helpers, built at run time where a C compiler is (``build``): the limit references
(``fused``: the C loop row and the CPU's streaming read) and the helpers counting needs
(``callgrind.c``, ``aligned_numpy.c``, loaded by ``descent_bench.instructions``). Nothing
here imports the rest of the package."""
