"""Audit's writes: the decision log's chain, data-subject export and erasure, retention, exports."""
