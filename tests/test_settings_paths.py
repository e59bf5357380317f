"""Settings come from code defaults and a TOML file; paths from platformdirs and MEDIAREC_* overrides."""
import pytest

from mediarec.errors import ConfigError
from mediarec.paths import AppPaths
from mediarec.settings import Settings


def test_env_overrides_and_data_dir_option(app_dirs, tmp_path):
    p = AppPaths.resolve()
    assert p.data == app_dirs["data"] and p.models == app_dirs["models"]
    assert AppPaths.resolve(tmp_path / "elsewhere").data == tmp_path / "elsewhere"


def test_defaults_without_a_file(tmp_path):
    s = Settings.load(tmp_path / "none.toml")
    assert s.scan.batch_size == 200 and s.analyze.device == "auto"


def test_file_overrides_defaults(tmp_path):
    f = tmp_path / "settings.toml"
    f.write_text('[scan]\nignore = ["*.tmp"]\nbatch_size = 10\n[analyze]\ndevice = "cpu"\n')
    s = Settings.load(f)
    assert s.scan.ignore == ["*.tmp"] and s.scan.batch_size == 10 and s.analyze.device == "cpu"
    assert s.scan.follow_symlinks is True


@pytest.mark.parametrize("text, message", [
    ('[scan]\nbatch_size = "many"\n', "scan.batch_size: must be int"),
    ('[scan]\nbogus = 1\n', "scan.bogus: unknown setting"),
    ('[analyze]\ndevice = "tpu"\n', "analyze.device: must be one of"),
    ('[scan\n', "settings.toml"),
    ('scan = 3\n', "scan: must be a table"),
    ('[recommend]\nexploration = 1.5\n', "recommend.exploration: must be between 0 and 1"),
    ('[recommend.weights]\nmood = "high"\n', "recommend.weights.mood: must be float"),
    ('[playlists]\nformat = "wpl"\n', "playlists.format: must be one of m3u8, xspf, pls"),
])
def test_bad_values_are_configuration_errors(tmp_path, text, message):
    f = tmp_path / "settings.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        Settings.load(f)
    assert str(info.value).startswith("configuration error: ")
    assert message in str(info.value)


def test_settings_round_trip_through_toml(tmp_path):
    f = tmp_path / "settings.toml"
    s = Settings()
    s.analyze.device, s.analyze.workers, s.speech.model = "cuda", 3, "base"
    s.recommend.weights.mood, s.recommend.exploration, s.recommend.artist_spacing = 0.9, 0.25, 5
    s.playlists.format, s.playlists.relative = "xspf", True
    s.scan.ignore = ["*.tmp", 'odd "name"\\x']
    s.save(f)
    back = Settings.load(f)
    assert back == s
    assert "batch_size" not in f.read_text()  # defaults stay out of the user's file
    assert Settings.load(f).recommend.weights.audio == Settings().recommend.weights.audio


def test_saving_a_bad_value_is_refused_before_the_file_is_touched(tmp_path):
    f = tmp_path / "settings.toml"
    f.write_text("[analyze]\nworkers = 2\n")
    s = Settings.load(f)
    s.recommend.exploration = 2.0
    with pytest.raises(ConfigError, match="recommend.exploration: must be between 0 and 1"):
        s.save(f)
    assert f.read_text() == "[analyze]\nworkers = 2\n"
