"""One app per library: a second `mediarec-gui FILE...` hands its files to the running instance over a
QLocalServer named after the data directory, and exits instead of opening a second window on the database."""
from __future__ import annotations

import hashlib
import json
import os

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from ...paths import AppPaths

CONNECT_MS = 500


def server_name(paths: AppPaths) -> str:
    digest = hashlib.sha1(str(paths.db.resolve()).encode()).hexdigest()[:16]
    return f"mediarec-{os.getuid() if hasattr(os, 'getuid') else 0}-{digest}"


class SingleInstance(QObject):
    files_received = Signal(list)  # absolute paths a later launch handed over (may be empty: just raise)

    def __init__(self, paths: AppPaths, parent: QObject | None = None):
        super().__init__(parent)
        self.name = server_name(paths)
        self.server: QLocalServer | None = None

    def hand_off(self, files: list[str]) -> bool:
        """True when a running instance took the files (this process should exit)."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_MS):
            return False
        payload = json.dumps({"files": [os.path.abspath(f) for f in files]}).encode() + b"\n"
        socket.write(payload)
        ok = socket.waitForBytesWritten(CONNECT_MS)
        socket.disconnectFromServer()
        return ok

    def listen(self) -> bool:
        """Serve later launches; a socket left by a crashed instance is removed first."""
        QLocalServer.removeServer(self.name)
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_connection)
        return self.server.listen(self.name)

    def _on_connection(self) -> None:
        while self.server is not None and self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            buffer = bytearray()

            def read(socket=socket, buffer=buffer) -> None:
                buffer.extend(bytes(socket.readAll()))
                if buffer.endswith(b"\n"):
                    self._deliver(bytes(buffer))
                    buffer.clear()

            socket.readyRead.connect(read)
            socket.disconnected.connect(socket.deleteLater)

    def _deliver(self, data: bytes) -> None:
        try:
            files = json.loads(data.decode())["files"]
        except (ValueError, KeyError, UnicodeDecodeError):
            return  # not one of ours
        self.files_received.emit([str(f) for f in files])

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
