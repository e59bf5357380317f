"""The D-Bus side of MPRIS: a QDBusVirtualObject at /org/mpris/MediaPlayer2 that answers calls through
MprisPlayer and announces changes with PropertiesChanged (what applets listen to)."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtDBus import QDBusConnection, QDBusMessage, QDBusObjectPath, QDBusVariant, QDBusVirtualObject

from .mpris import INTROSPECTION, PATH, PLAYER_IFACE, PROPS_IFACE, ROOT_IFACE, SERVICE, MprisPlayer

log = logging.getLogger(__name__)

INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
INTROSPECT_XML = f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
<interface name="{INTROSPECTABLE}"><method name="Introspect"><arg name="xml" type="s" direction="out"/></method></interface>
<interface name="{PROPS_IFACE}">
  <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="out"/></method>
  <method name="GetAll"><arg type="s" direction="in"/><arg type="a{{sv}}" direction="out"/></method>
  <method name="Set"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="in"/></method>
  <signal name="PropertiesChanged"><arg type="s"/><arg type="a{{sv}}"/><arg type="as"/></signal>
</interface>{INTROSPECTION}</node>"""


def _dbus_value(value):
    """Python values as D-Bus wants them: the track id an object path (a map's values are variants already)."""
    if isinstance(value, dict):
        return {k: QDBusObjectPath(v) if k == "mpris:trackid" else v for k, v in value.items()}
    return value


class MprisObject(QDBusVirtualObject):
    def __init__(self, mpris: MprisPlayer, bus: QDBusConnection, parent: QObject | None = None):
        super().__init__(parent)
        self.mpris, self.bus = mpris, bus
        player = mpris.player
        player.state_changed.connect(lambda _: self._changed("PlaybackStatus", "CanPause", "CanSeek"))
        player.current_changed.connect(lambda _: self._changed("Metadata", "CanPause", "CanSeek"))

    def introspect(self, path: str) -> str:
        return INTROSPECTION

    def handleMessage(self, message: QDBusMessage, connection: QDBusConnection) -> bool:  # noqa: N802 (Qt API)
        iface, member, args = message.interface(), message.member(), list(message.arguments())
        try:
            if iface == INTROSPECTABLE:
                reply = message.createReply(INTROSPECT_XML)  # one argument: a list would be sent as 'av'
            elif iface == PROPS_IFACE:
                reply = self._properties(message, member, args)
            elif self.mpris.call(iface, member, args):
                reply = message.createReply()
            else:
                reply = message.createErrorReply("org.freedesktop.DBus.Error.UnknownMethod", f"no method {member}")
        except Exception as exc:  # noqa: BLE001 - a bad call must not take the app down
            log.warning("MPRIS %s.%s failed: %s", iface, member, exc)
            reply = message.createErrorReply("org.freedesktop.DBus.Error.Failed", str(exc))
        connection.send(reply)
        return True

    def _properties(self, message: QDBusMessage, member: str, args: list) -> QDBusMessage:
        props = self.mpris.properties(args[0] if args else "")
        if member == "GetAll":
            return message.createReply({k: _dbus_value(v) for k, v in props.items()})
        if member == "Get" and len(args) > 1 and args[1] in props:
            return message.createReply(QDBusVariant(_dbus_value(props[args[1]])))
        if member == "Set":
            return message.createErrorReply("org.freedesktop.DBus.Error.PropertyReadOnly", "read-only")
        return message.createErrorReply("org.freedesktop.DBus.Error.UnknownProperty", f"no property {args[1:]}")

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
    if not bus.registerVirtualObject(PATH, obj):
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
