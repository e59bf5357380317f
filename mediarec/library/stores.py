"""The stores a Library makes when it opens (the numpy-based features and index stores are made on first use)."""
from .events import EventStore
from .file_status import FileStatusStore
from .kv import KVStore
from .media import MediaStore
from .playlists import PlaylistStore
from .roots import RootStore
from .transcripts import TranscriptStore

__all__ = ["EventStore", "FileStatusStore", "KVStore", "MediaStore", "PlaylistStore", "RootStore", "TranscriptStore"]
