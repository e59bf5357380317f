"""Recommending: taste model from events, candidates, scoring, diversity, explanations."""
