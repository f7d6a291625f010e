"""The output layer: records as a table, Markdown, a JSON document or a plot; atomic files."""
