"""Feature extractors behind one registry, and the runner that plans and runs them."""
