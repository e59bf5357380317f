"""Where mediarec keeps its data, config, cache and models (platformdirs, each overridable by MEDIAREC_*_DIR)."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "mediarec"
DB_FILENAME = "library.db"
SETTINGS_FILENAME = "settings.toml"


def _dir(env: str, default: str, override: str | os.PathLike | None = None) -> Path:
    chosen = override or os.environ.get(env) or default
    return Path(chosen).expanduser().absolute()


@dataclass(frozen=True)
class AppPaths:
    """The four directories the app uses. Created on demand by `ensure()`, never at import."""

    data: Path
    config: Path
    cache: Path
    models: Path

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike | None = None) -> "AppPaths":
        """Directories from the environment; `data_dir` (the CLI's --data-dir) wins over MEDIAREC_DATA_DIR."""
        return cls(
            data=_dir("MEDIAREC_DATA_DIR", platformdirs.user_data_dir(APP_NAME), data_dir),
            config=_dir("MEDIAREC_CONFIG_DIR", platformdirs.user_config_dir(APP_NAME)),
            cache=_dir("MEDIAREC_CACHE_DIR", platformdirs.user_cache_dir(APP_NAME)),
            models=_dir("MEDIAREC_MODELS_DIR", os.path.join(platformdirs.user_data_dir(APP_NAME), "models")),
        )

    @property
    def db(self) -> Path:
        return self.data / DB_FILENAME

    @property
    def settings_file(self) -> Path:
        return self.config / SETTINGS_FILENAME

    @property
    def index_dir(self) -> Path:
        return self.data / "index"

    def ensure(self) -> "AppPaths":
        for d in (self.data, self.config, self.cache, self.models):
            d.mkdir(parents=True, exist_ok=True)
        return self
