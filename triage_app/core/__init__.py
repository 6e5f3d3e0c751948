"""Pure-Python core: records, taxonomy, workflow, indicators, similarity, demo data (no Qt)."""
