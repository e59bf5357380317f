"""MPRIS2 over QtDBus: org.mpris.MediaPlayer2 and .Player for the player service, so desktop media keys, panel
applets and `playerctl` control the app. Where there is no session bus it logs one line and does nothing.

The D-Bus side is in mpris_bus.py (adaptors whose Qt types set the wire types); what the answers say (metadata, status, what a method does) is in plain functions (`metadata`, `playback_status`,
`MprisPlayer.call`) so it is tested without a bus too."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QUrl

log = logging.getLogger(__name__)

SERVICE = "org.mpris.MediaPlayer2.mediarec"
PATH = "/org/mpris/MediaPlayer2"
ROOT_IFACE = "org.mpris.MediaPlayer2"
PLAYER_IFACE = "org.mpris.MediaPlayer2.Player"
PROPS_IFACE = "org.freedesktop.DBus.Properties"
NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"

def track_id(info: dict | None) -> str:
    return f"/org/mediarec/track/{info['id']}" if info else NO_TRACK


def metadata(info: dict | None) -> dict[str, Any]:
    """The MPRIS Metadata map of the current item (empty but for the no-track id when nothing plays)."""
    if not info:
        return {"mpris:trackid": NO_TRACK}
    out: dict[str, Any] = {"mpris:trackid": track_id(info),
                           "xesam:title": info.get("title") or Path(info.get("path") or "").name,
                           "xesam:url": QUrl.fromLocalFile(info.get("path") or "").toString()}
    if info.get("artist"):
        out["xesam:artist"] = [info["artist"]]
    if info.get("album"):
        out["xesam:album"] = info["album"]
    if info.get("duration"):
        out["mpris:length"] = int(float(info["duration"]) * 1_000_000)
    return out


def playback_status(state: str) -> str:
    return {"playing": "Playing", "paused": "Paused"}.get(state, "Stopped")


class MprisPlayer:
    """What the MPRIS interfaces say and do, over a PlaybackController (no D-Bus types here)."""

    def __init__(self, player, window=None):
        self.player, self.window = player, window

    def properties(self, iface: str) -> dict[str, Any]:
        p = self.player
        if iface == ROOT_IFACE:
            return {"CanQuit": True, "CanRaise": self.window is not None, "HasTrackList": False,
                    "Identity": "mediarec", "DesktopEntry": "mediarec", "SupportedUriSchemes": ["file"],
                    "SupportedMimeTypes": ["audio/mpeg", "audio/flac", "audio/ogg", "video/mp4", "video/webm"]}
        if iface == PLAYER_IFACE:
            has = p.current is not None
            return {"PlaybackStatus": playback_status(self.state()), "Rate": 1.0, "MinimumRate": 1.0,
                    "MaximumRate": 1.0, "Metadata": metadata(p.current), "Volume": float(p.audio.volume()),
                    "Position": int(p.position * 1_000_000), "CanGoNext": True, "CanGoPrevious": True,
                    "CanPlay": True, "CanPause": has, "CanSeek": has, "CanControl": True}
        return {}

    def state(self) -> str:
        from PySide6.QtMultimedia import QMediaPlayer

        s = self.player.player.playbackState()
        return {QMediaPlayer.PlaybackState.PlayingState: "playing",
                QMediaPlayer.PlaybackState.PausedState: "paused"}.get(s, "stopped")

    def call(self, iface: str, member: str, args: list) -> bool:
        """Do what a method call asks; False for an unknown method."""
        p = self.player
        simple = {"PlayPause": p.toggle, "Next": p.next, "Previous": p.previous, "Stop": p.stop}
        if iface == PLAYER_IFACE and member in simple:
            simple[member]()
        elif iface == PLAYER_IFACE and member == "Play":
            if not p.playing:
                p.toggle()
        elif iface == PLAYER_IFACE and member == "Pause":
            if p.playing:
                p.toggle()
        elif iface == PLAYER_IFACE and member == "Seek":
            p.seek_by(int(args[0]) / 1_000_000)
        elif iface == PLAYER_IFACE and member == "SetPosition":
            if p.current is not None and _path_text(args[0]) == track_id(p.current):
                p.seek(int(args[1]) / 1_000_000)  # a stale track id is ignored, as the spec says
        elif iface == PLAYER_IFACE and member == "OpenUri":
            log.info("MPRIS OpenUri is not supported: %s", args[0] if args else "")
        elif iface == ROOT_IFACE and member == "Raise":
            if self.window is not None:
                self.window.showNormal()
                self.window.raise_()
                self.window.activateWindow()
        elif iface == ROOT_IFACE and member == "Quit":
            if self.window is not None:
                self.window.close()
        else:
            return False
        return True


def _path_text(value) -> str:
    return value.path() if hasattr(value, "path") else str(value)
