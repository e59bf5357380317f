"""The stores a Library exposes, gathered in one place."""
from .events import EventStore
from .features import FeatureStore
from .file_status import FileStatusStore
from .index_items import IndexStore
from .kv import KVStore
from .media import MediaStore
from .playlists import PlaylistStore
from .roots import RootStore
from .transcripts import TranscriptStore

__all__ = ["EventStore", "FeatureStore", "FileStatusStore", "IndexStore", "KVStore", "MediaStore", "PlaylistStore",
           "RootStore", "TranscriptStore"]
