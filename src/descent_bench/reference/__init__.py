"""The one reference every row is checked against (``answer``: exact where the problem's
mathematics allows, ``exact`` its arithmetic beyond float64) and how far a row may land from
it and still agree (``bound``)."""
