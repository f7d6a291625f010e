"""The measurement layer: rows for problems x sizes x backends, timed, checked, as records.

Everything here takes plain settings objects and returns typed records; nothing parses
arguments or prints.
"""
