"""Instruction counts under valgrind's callgrind, a deterministic channel beside the clock:
a row's K-call counted in a process of its own (``counting``, ``counted_call``), callgrind's
client requests and output (``callgrind``, ``callgrind_output``) and the aligned NumPy
allocator that keeps the count independent of the heap (``aligned_arrays``)."""
