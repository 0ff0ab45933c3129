"""Use cases: the only place that commits."""
