"""Timing rows: the settings turned into rows (``planning``, ``rows``), each row prepared
(``prepare``) and timed in interleaved rounds (``visits``) in worker processes (``rounds``,
``workers``) on held threads (``threads``), with a stop rule (``stopping``); ``suite`` merges
the processes' calls into records checked against the reference."""
