"""Use cases: each public function is one transaction over the models, calling the pure domain."""
