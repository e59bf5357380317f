"""Model code (network definitions, weight loading) used by the extractors."""
