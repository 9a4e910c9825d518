"""The published dataset on any Beam filesystem (local, gs://, s3://, memfs:// in tests): where
each table and file lives (layout.py), how Parquet is written and read (parquet.py), the
publish protocol that makes a run's files appear all at once or not at all (publish.py), the run
manifests (runs.py) and compaction (compact.py). No pipeline code: the CLI commands and the
Beam stages both build on it."""
