"""Plain data and the arithmetic on it: a measured row (``record``), a run (``run``), what a
run is asked for (``settings``), the statistics of timed calls (``statistics``), ratios
between rows (``ratios``) and the verdicts of ``diff`` (``verdicts``, ``count_verdicts``).
Nothing here loads a backend or measures: the output layer rests on this room alone."""
