"""Generated demo data for `make run`, one module per feature."""
