"""The dataset's contracts: pinned Parquet schemas and the table registry (tables.py), reject
reason codes (reasons.py), the typed records passed between stages (records.py) and the run's
counts (counts.py). Nothing here imports Beam."""
