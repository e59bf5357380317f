"""Playlist writers and readers (M3U8, XSPF, PLS): pure functions plus an atomic save."""
