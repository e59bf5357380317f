"""The stores a Library exposes, gathered in one place."""
from .events import EventStore
from .features import FeatureStore
from .file_status import FileStatusStore
from .kv import KVStore
from .media import MediaStore
from .playlists import PlaylistStore
from .roots import RootStore
from .transcripts import TranscriptStore

__all__ = ["EventStore", "FeatureStore", "FileStatusStore", "KVStore", "MediaStore", "PlaylistStore",
           "RootStore", "TranscriptStore"]
