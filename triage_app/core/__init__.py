"""Pure-Python core: records, taxonomy, workflow rules, indicators, similarity, demo data (no Qt)."""
