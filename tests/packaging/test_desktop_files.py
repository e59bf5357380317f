"""The desktop entry and AppStream metainfo pass the freedesktop validators, and the icon loads at every size."""
import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "org.mediarec.Mediarec"
DESKTOP = ROOT / "resources" / f"{APP_ID}.desktop"
METAINFO = ROOT / "resources" / f"{APP_ID}.metainfo.xml"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: ./setup.sh installs it (Debian package)")
    return path


def test_desktop_file_passes_desktop_file_validate():
    run = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)], capture_output=True, text=True)
    assert run.returncode == 0 and not run.stdout.strip(), run.stdout + run.stderr


def test_desktop_file_opens_media_and_playlists_with_the_gui():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(DESKTOP)
    d = entry["Desktop Entry"]
    assert d["Exec"] == "mediarec-gui %F"
    assert d["Icon"] == APP_ID
    assert set(d["Categories"].rstrip(";").split(";")) >= {"AudioVideo", "Player", "Qt"}
    mimes = set(d["MimeType"].rstrip(";").split(";"))
    assert {"audio/mpeg", "audio/flac", "video/mp4", "video/x-matroska", "audio/x-mpegurl",
            "application/xspf+xml", "audio/x-scpls"} <= mimes


def test_metainfo_passes_appstreamcli_and_names_the_desktop_file():
    run = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    text = METAINFO.read_text()
    assert f"<id>{APP_ID}</id>" in text
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in text
    assert "<project_license>GPL-3.0-or-later</project_license>" in text


def test_app_icon_loads_through_importlib_resources_at_every_size(qapp):
    from mediarec.ui.assets import ICON_SIZES, app_icon

    icon = app_icon()
    assert not icon.isNull()
    sizes = {s.width() for s in icon.availableSizes()}
    assert sizes == set(ICON_SIZES)
