"""``cupyx`` of the stand-in CuPy: the profiler only."""
