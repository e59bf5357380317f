"""Error types: what went wrong, with the path and the cause, and whether it is the file's fault or ours."""
from __future__ import annotations

import errno as _errno


class MediarecError(Exception):
    """Base of every error mediarec raises on purpose; its str() is a one-line message for the user."""


class UserError(MediarecError):
    """The user asked for something impossible (unknown item, bad path); exit status 1."""


class ConfigError(MediarecError):
    """A setting has a bad value or the settings file cannot be parsed."""

    def __str__(self) -> str:
        return f"configuration error: {self.args[0] if self.args else ''}"


class Cancelled(MediarecError):
    """A long job stopped because its CancelToken was set."""


class MissingDependency(MediarecError):
    """An optional package or model is absent; the feature that needs it is disabled, with this reason."""

    def __init__(self, what: str, reason: str, hint: str = ""):
        super().__init__(what, reason, hint)
        self.what, self.reason, self.hint = what, reason, hint

    def __str__(self) -> str:
        tail = f" ({self.hint})" if self.hint else ""
        return f"{self.what} unavailable: {self.reason}{tail}"


class FileError(MediarecError):
    """A problem with one media file. `kind` is the file_status kind recorded for it."""

    kind = "corrupt"

    def __init__(self, path: str, reason: str):
        super().__init__(path, reason)
        self.path, self.reason = str(path), str(reason)

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def with_kind(self, kind: str) -> "FileError":
        """This error with a more precise file_status kind."""
        self.kind = kind
        return self


class ReadError(FileError):
    """The file could not be read (gone, no permission, I/O error)."""

    kind = "io"

    @classmethod
    def from_os_error(cls, path: str, exc: OSError) -> "ReadError":
        err = cls(path, exc.strerror or str(exc))
        err.kind = _OS_ERRNO_KINDS.get(exc.errno, "io")
        return err


class UnsupportedMedia(FileError):
    """The file is not a media format we can handle (text named .mp4, a FIFO, ...)."""

    kind = "unsupported"


class CorruptMedia(FileError):
    """The file claims to be media but its data is broken, truncated or empty."""

    kind = "corrupt"


class MediaTimeout(FileError):
    """Work on one file took longer than its limit."""

    kind = "timeout"


class WorkerCrash(FileError):
    """The process working on one file died (a decoder crash)."""

    kind = "crash"


class ExtractorError(FileError):
    """A feature extractor failed on one file for a reason of the file's (not a bug of ours)."""

    kind = "extract"


class PlayerError(FileError):
    """The player could not play a file (it will not decode, no audio device): a problem, never a skip."""

    kind = "player"


class OurBug(FileError):
    """Something failed that should not have: a bug in mediarec or a library it uses. Logged with traceback."""

    kind = "bug"


_OS_ERRNO_KINDS = {
    _errno.ENOENT: "not_found",
    _errno.ENOTDIR: "not_found",
    _errno.ELOOP: "not_found",
    _errno.EACCES: "no_access",
    _errno.EPERM: "no_access",
}

FILE_STATUS_KINDS = ("not_found", "no_access", "unsupported", "corrupt", "timeout", "crash", "io", "extract", "bug",
                     "no_audio", "player")
"""Every `kind` a file_status row may hold: the `kind` of each FileError class (here and in media/, export/)
and the errno kinds above. FileStatusStore.record refuses any other; tests/test_architecture.py checks that
every kind written in the code is listed here."""
