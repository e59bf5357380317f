"""mediarec: recommends what to play next from your own music and video, on your machine."""
__version__ = "0.1.0"
