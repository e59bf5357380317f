"""The D-Bus side of MPRIS: two QDBusAbstractAdaptors (org.mpris.MediaPlayer2 and .Player) at
/org/mpris/MediaPlayer2 that answer through MprisPlayer and announce changes with PropertiesChanged (what
applets listen to).

Adaptors, not a QDBusVirtualObject, because their declared Qt types set the wire types: a Python int sent
as a plain value goes out as int32 ('i') below 2^31 and int64 above, while MPRIS says int64 ('x') for
Position, Seek, SetPosition and Seeked; a 'qlonglong' property, slot or signal is always 'x'. The one
exception left is `mpris:length` inside the Metadata map: a map's values are built from Python values and
PySide6 has no typed QVariant, so a length below 2^31 us (35 min 47 s) goes out as int32 in its variant
(longer ones as int64). Clients that read it as a number (playerctl, KDE, GNOME) accept both."""
from __future__ import annotations

import logging

from PySide6.QtCore import ClassInfo, Property, QObject, Signal, Slot
from PySide6.QtDBus import QDBusAbstractAdaptor, QDBusConnection, QDBusMessage, QDBusObjectPath

from .mpris import PATH, PLAYER_IFACE, PROPS_IFACE, ROOT_IFACE, SERVICE, MprisPlayer

log = logging.getLogger(__name__)

MICROS = 1_000_000


def _dbus_value(value):
    """Python values as D-Bus wants them: the track id an object path (a map's values are variants already)."""
    if isinstance(value, dict):
        return {k: QDBusObjectPath(v) if k == "mpris:trackid" else v for k, v in value.items()}
    return value


def _prop(qt_type: str, iface: str, name: str) -> Property:
    """A read-only D-Bus property of `qt_type` whose value MprisPlayer gives."""
    return Property(qt_type, lambda self: _dbus_value(self.mpris.properties(iface)[name]))


@ClassInfo({"D-Bus Interface": ROOT_IFACE})
class RootAdaptor(QDBusAbstractAdaptor):
    def __init__(self, mpris: MprisPlayer, parent: QObject):
        super().__init__(parent)
        self.mpris = mpris

    CanQuit = _prop("bool", ROOT_IFACE, "CanQuit")
    CanRaise = _prop("bool", ROOT_IFACE, "CanRaise")
    HasTrackList = _prop("bool", ROOT_IFACE, "HasTrackList")
    Identity = _prop("QString", ROOT_IFACE, "Identity")
    DesktopEntry = _prop("QString", ROOT_IFACE, "DesktopEntry")
    SupportedUriSchemes = _prop("QStringList", ROOT_IFACE, "SupportedUriSchemes")
    SupportedMimeTypes = _prop("QStringList", ROOT_IFACE, "SupportedMimeTypes")

    @Slot()
    def Raise(self) -> None:  # noqa: N802 - D-Bus method names
        self.mpris.call(ROOT_IFACE, "Raise", [])

    @Slot()
    def Quit(self) -> None:  # noqa: N802
        self.mpris.call(ROOT_IFACE, "Quit", [])


@ClassInfo({"D-Bus Interface": PLAYER_IFACE})
class PlayerAdaptor(QDBusAbstractAdaptor):
    Seeked = Signal("qlonglong")

    def __init__(self, mpris: MprisPlayer, parent: QObject):
        super().__init__(parent)
        self.mpris = mpris

    PlaybackStatus = _prop("QString", PLAYER_IFACE, "PlaybackStatus")
    Rate = _prop("double", PLAYER_IFACE, "Rate")
    MinimumRate = _prop("double", PLAYER_IFACE, "MinimumRate")
    MaximumRate = _prop("double", PLAYER_IFACE, "MaximumRate")
    Metadata = _prop("QVariantMap", PLAYER_IFACE, "Metadata")
    Volume = _prop("double", PLAYER_IFACE, "Volume")
    Position = _prop("qlonglong", PLAYER_IFACE, "Position")
    CanGoNext = _prop("bool", PLAYER_IFACE, "CanGoNext")
    CanGoPrevious = _prop("bool", PLAYER_IFACE, "CanGoPrevious")
    CanPlay = _prop("bool", PLAYER_IFACE, "CanPlay")
    CanPause = _prop("bool", PLAYER_IFACE, "CanPause")
    CanSeek = _prop("bool", PLAYER_IFACE, "CanSeek")
    CanControl = _prop("bool", PLAYER_IFACE, "CanControl")

    def _do(self, member: str, *args) -> None:
        self.mpris.call(PLAYER_IFACE, member, list(args))

    @Slot()
    def Next(self) -> None:  # noqa: N802 - D-Bus method names
        self._do("Next")

    @Slot()
    def Previous(self) -> None:  # noqa: N802
        self._do("Previous")

    @Slot()
    def Pause(self) -> None:  # noqa: N802
        self._do("Pause")

    @Slot()
    def PlayPause(self) -> None:  # noqa: N802
        self._do("PlayPause")

    @Slot()
    def Stop(self) -> None:  # noqa: N802
        self._do("Stop")

    @Slot()
    def Play(self) -> None:  # noqa: N802
        self._do("Play")

    @Slot("qlonglong")
    def Seek(self, offset: int) -> None:  # noqa: N802
        self._do("Seek", offset)

    @Slot(QDBusObjectPath, "qlonglong")
    def SetPosition(self, track: QDBusObjectPath, position: int) -> None:  # noqa: N802
        self._do("SetPosition", track, position)

    @Slot(str)
    def OpenUri(self, uri: str) -> None:  # noqa: N802
        self._do("OpenUri", uri)


class MprisObject(QObject):
    """The object at PATH carrying both adaptors; relays the player's changes to the bus."""

    def __init__(self, mpris: MprisPlayer, bus: QDBusConnection, parent: QObject | None = None):
        super().__init__(parent)
        self.mpris, self.bus = mpris, bus
        self.root = RootAdaptor(mpris, self)
        self.player = PlayerAdaptor(mpris, self)
        player = mpris.player
        player.state_changed.connect(lambda _: self._changed("PlaybackStatus", "CanPause", "CanSeek"))
        player.current_changed.connect(lambda _: self._changed("Metadata", "CanPause", "CanSeek"))
        player.seeked.connect(lambda seconds: self.player.Seeked.emit(int(seconds * MICROS)))

    def _changed(self, *names: str) -> None:
        props = self.mpris.properties(PLAYER_IFACE)
        signal = QDBusMessage.createSignal(PATH, PROPS_IFACE, "PropertiesChanged")
        signal.setArguments([PLAYER_IFACE, {n: _dbus_value(props[n]) for n in names}, []])
        self.bus.send(signal)


def export(mpris: MprisPlayer, parent: QObject | None = None) -> MprisObject | None:
    """Register the object and the bus name; None (with one log line) where that is not possible."""
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        log.info("MPRIS not available: no D-Bus session bus (%s)", bus.lastError().message() or "not connected")
        return None
    obj = MprisObject(mpris, bus, parent)
    if not bus.registerObject(PATH, obj, QDBusConnection.RegisterOption.ExportAdaptors):
        log.info("MPRIS not available: %s", bus.lastError().message())
        return None
    if not bus.registerService(SERVICE):
        log.info("MPRIS not available: the name %s is taken (%s)", SERVICE, bus.lastError().message())
        bus.unregisterObject(PATH)
        return None
    log.info("MPRIS: %s on the session bus", SERVICE)
    return obj


__all__ = ["export", "MprisObject", "ROOT_IFACE"]


def install(ctx) -> "QObject | None":
    """Export the player over MPRIS on the session bus; without a bus (or a player) log one line and go on."""
    player = ctx.services.get("player")
    if player is None:
        log.info("MPRIS not started: no player")
        return None
    service = export(MprisPlayer(player, ctx.window), ctx.window)
    if service is not None:
        ctx.services["mpris"] = service
    return service
