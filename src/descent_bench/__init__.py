"""descent-bench: one array-API gradient-descent kernel on NumPy, JAX, CuPy and more, timed
side by side and checked against a float64 reference.

The package, from the bottom up (each layer imports only those below it):

- ``descent_bench.kernels``: the problems and ``descend``, pure array-API code;
- ``descent_bench.backends``: one small object per array library, and their registry;
- ``descent_bench.measurement``: the suite that builds, times and checks every row and returns
  typed records;
- ``descent_bench.output``: tables, Markdown, JSON documents, plots, atomic files;
- ``descent_bench.cli``: the ``descent-bench`` command (parsing, checking, printing).

``descent_bench.bench`` is the small stable module the asv suite uses.
"""

__version__ = "0.2.0"
