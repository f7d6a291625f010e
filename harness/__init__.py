"""Timing, reporting and the ``descent-bench`` command line."""
