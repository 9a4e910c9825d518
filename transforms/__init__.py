"""One module per pipeline stage: pure functions plus the composite PTransform that wraps them."""
