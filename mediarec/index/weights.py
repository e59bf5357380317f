"""The default weights of the similarity spaces in "all", apart from the index code so settings can read them
without importing numpy and Annoy."""

WEIGHTS = {"audio": 1.0, "visual": 0.6, "text": 0.5, "mood": 0.35}
"""How much each space counts in "all": how it sounds first, then looks, what it is about, how it feels."""
WEIGHTS_KEY = "similar.weights"
"""The library's kv key for the weights `mediarec tune` stored."""
