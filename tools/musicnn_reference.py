"""Compute reference outputs of the ORIGINAL musicnn TensorFlow code, as a test fixture for our torch port.

Not part of the app and not run by the tests: a developer runs it once, in a throwaway venv with
TensorFlow (numpy 1.x, which musicnn's input code needs), and commits the fixture it writes:

    python3.11 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu==2.15.1 librosa==0.11.0
    pip download --no-deps musicnn==0.1.0 -d /tmp/x && unzip /tmp/x/musicnn-0.1.0-py3-none-any.whl -d /tmp/x/wheel
    /tmp/tfvenv/bin/python tools/musicnn_reference.py /tmp/x/wheel ~/.cache/mediarec-corpus

For each excerpt (6 s of a GPL-2+ track of the dev corpus, music/asc) it stores the 16 kHz audio as
int16, the log-mel patches musicnn's own `batch_data` computes from it, and, for MSD_musicnn and
MTT_musicnn, the tag probabilities and the 200-d penultimate features per patch
(tests/fixtures/musicnn_reference.npz).

The graph code below (`batch_data`, `build_musicnn`, `frontend`, `timbral_block`, `tempo_block`,
`midend`, `backend`) is copied unchanged in substance from musicnn 0.1.0 (musicnn/extractor.py and
musicnn/models.py; Copyright (c) Music Technology Group, Universitat Pompeu Fabra 2019, code by Jordi
Pons; ISC license, see mediarec/resources/models/musicnn/LICENSE), trimmed to the musicnn models. It runs under
numpy 1.x, where `10000 * float16_array` is computed in float32 as the authors intended (numpy 2 keeps
float16 and overflows to inf), so no fix was needed.
"""
from __future__ import annotations

import argparse
import ast
import sys
import tempfile
import warnings
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
warnings.filterwarnings("ignore", message=".*is deprecated", category=UserWarning)  # tf.layers, as musicnn used

SR, FFT_HOP, FFT_SIZE, N_MELS = 16000, 256, 512, 96  # musicnn/configuration.py
EXCERPTS = [("music/asc/frontiers.mp3", 60.0), ("music/asc/machine_wars.mp3", 120.0)]
EXCERPT_SECONDS = 6.0
OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "musicnn_reference.npz"


# ---- from musicnn/extractor.py (musicnn 0.1.0, ISC) ----

def batch_data(audio_file, n_frames, overlap):
    audio, sr = librosa.load(audio_file, sr=SR)
    audio_rep = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=FFT_HOP, n_fft=FFT_SIZE, n_mels=N_MELS).T
    audio_rep = audio_rep.astype(np.float16)
    audio_rep = np.log10(10000 * audio_rep + 1)
    first = True
    last_frame = audio_rep.shape[0] - n_frames + 1
    for time_stamp in range(0, last_frame, overlap):
        patch = np.expand_dims(audio_rep[time_stamp: time_stamp + n_frames, :], axis=0)
        if first:
            batch = patch
            first = False
        else:
            batch = np.concatenate((batch, patch), axis=0)
    return batch, audio_rep


# ---- from musicnn/models.py (musicnn 0.1.0, ISC) ----

def build_musicnn(x, is_training, num_classes, num_filt_frontend=1.6, num_filt_midend=64, num_units_backend=200):
    frontend_features_list = frontend(x, is_training, N_MELS, num_filt=1.6, type='7774timbraltemporal')
    frontend_features = tf.concat(frontend_features_list, 2)
    midend_features_list = midend(frontend_features, is_training, num_filt_midend)
    midend_features = tf.concat(midend_features_list, 2)
    logits, penultimate, mean_pool, max_pool = backend(midend_features, is_training, num_classes,
                                                       num_units_backend, type='globalpool_dense')
    return logits, penultimate


def frontend(x, is_training, yInput, num_filt, type):
    expand_input = tf.expand_dims(x, 3)
    normalized_input = tf.compat.v1.layers.batch_normalization(expand_input, training=is_training)
    input_pad_7 = tf.pad(normalized_input, [[0, 0], [3, 3], [0, 0], [0, 0]], "CONSTANT")
    f74 = timbral_block(inputs=input_pad_7, filters=int(num_filt * 128), kernel_size=[7, int(0.4 * yInput)],
                        is_training=is_training)
    f77 = timbral_block(inputs=input_pad_7, filters=int(num_filt * 128), kernel_size=[7, int(0.7 * yInput)],
                        is_training=is_training)
    s1 = tempo_block(inputs=normalized_input, filters=int(num_filt * 32), kernel_size=[128, 1], is_training=is_training)
    s2 = tempo_block(inputs=normalized_input, filters=int(num_filt * 32), kernel_size=[64, 1], is_training=is_training)
    s3 = tempo_block(inputs=normalized_input, filters=int(num_filt * 32), kernel_size=[32, 1], is_training=is_training)
    return [f74, f77, s1, s2, s3]


def timbral_block(inputs, filters, kernel_size, is_training, padding="valid", activation=tf.nn.relu):
    conv = tf.compat.v1.layers.conv2d(inputs=inputs, filters=filters, kernel_size=kernel_size, padding=padding,
                                      activation=activation)
    bn_conv = tf.compat.v1.layers.batch_normalization(conv, training=is_training)
    pool = tf.compat.v1.layers.max_pooling2d(inputs=bn_conv, pool_size=[1, bn_conv.shape[2]],
                                             strides=[1, bn_conv.shape[2]])
    return tf.squeeze(pool, [2])


def tempo_block(inputs, filters, kernel_size, is_training, padding="same", activation=tf.nn.relu):
    conv = tf.compat.v1.layers.conv2d(inputs=inputs, filters=filters, kernel_size=kernel_size, padding=padding,
                                      activation=activation)
    bn_conv = tf.compat.v1.layers.batch_normalization(conv, training=is_training)
    pool = tf.compat.v1.layers.max_pooling2d(inputs=bn_conv, pool_size=[1, bn_conv.shape[2]],
                                             strides=[1, bn_conv.shape[2]])
    return tf.squeeze(pool, [2])


def midend(front_end_output, is_training, num_filt):
    front_end_output = tf.expand_dims(front_end_output, 3)
    front_end_pad = tf.pad(front_end_output, [[0, 0], [3, 3], [0, 0], [0, 0]], "CONSTANT")
    conv1 = tf.compat.v1.layers.conv2d(inputs=front_end_pad, filters=num_filt, kernel_size=[7, front_end_pad.shape[2]],
                                       padding="valid", activation=tf.nn.relu)
    bn_conv1 = tf.compat.v1.layers.batch_normalization(conv1, training=is_training)
    bn_conv1_t = tf.transpose(bn_conv1, [0, 1, 3, 2])
    bn_conv1_pad = tf.pad(bn_conv1_t, [[0, 0], [3, 3], [0, 0], [0, 0]], "CONSTANT")
    conv2 = tf.compat.v1.layers.conv2d(inputs=bn_conv1_pad, filters=num_filt, kernel_size=[7, bn_conv1_pad.shape[2]],
                                       padding="valid", activation=tf.nn.relu)
    bn_conv2 = tf.compat.v1.layers.batch_normalization(conv2, training=is_training)
    conv2 = tf.transpose(bn_conv2, [0, 1, 3, 2])
    res_conv2 = tf.add(conv2, bn_conv1_t)
    bn_conv2_pad = tf.pad(res_conv2, [[0, 0], [3, 3], [0, 0], [0, 0]], "CONSTANT")
    conv3 = tf.compat.v1.layers.conv2d(inputs=bn_conv2_pad, filters=num_filt, kernel_size=[7, bn_conv2_pad.shape[2]],
                                       padding="valid", activation=tf.nn.relu)
    bn_conv3 = tf.compat.v1.layers.batch_normalization(conv3, training=is_training)
    conv3 = tf.transpose(bn_conv3, [0, 1, 3, 2])
    res_conv3 = tf.add(conv3, res_conv2)
    return [front_end_output, bn_conv1_t, res_conv2, res_conv3]


def backend(feature_map, is_training, num_classes, output_units, type):
    max_pool = tf.reduce_max(feature_map, axis=1)
    mean_pool, var_pool = tf.nn.moments(feature_map, axes=[1])
    tmp_pool = tf.concat([max_pool, mean_pool], 2)
    flat_pool = tf.compat.v1.layers.flatten(tmp_pool)
    flat_pool = tf.compat.v1.layers.batch_normalization(flat_pool, training=is_training)
    flat_pool_dropout = tf.compat.v1.layers.dropout(flat_pool, rate=0.5, training=is_training)
    dense = tf.compat.v1.layers.dense(inputs=flat_pool_dropout, units=output_units, activation=tf.nn.relu)
    bn_dense = tf.compat.v1.layers.batch_normalization(dense, training=is_training)
    dense_dropout = tf.compat.v1.layers.dropout(bn_dense, rate=0.5, training=is_training)
    logits = tf.compat.v1.layers.dense(inputs=dense_dropout, activation=None, units=num_classes)
    return logits, bn_dense, mean_pool, max_pool


# ---- our driver ----

def run_model(wheel_dir: Path, model: str, batch: np.ndarray, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """(tag probabilities, penultimate) of the original graph restored from the wheel's checkpoint."""
    tf.compat.v1.reset_default_graph()
    with tf.name_scope('model'):
        x = tf.compat.v1.placeholder(tf.float32, [None, batch.shape[1], N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        logits, penultimate = build_musicnn(x, is_training, num_classes)
        probs = tf.nn.sigmoid(logits)
    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
        tf.compat.v1.train.Saver().restore(sess, f"{wheel_dir}/musicnn/{model}/")  # raises if it cannot
        return sess.run([probs, penultimate], feed_dict={x: batch, is_training: False})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel_dir", type=Path, help="the unzipped musicnn 0.1.0 wheel")
    parser.add_argument("corpus", type=Path, help="the dev corpus (tools/fetch-dev-corpus.sh)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    n_frames = librosa.time_to_frames(3, sr=SR, n_fft=FFT_SIZE, hop_length=FFT_HOP) + 1  # as extractor.py
    config = (args.wheel_dir / "musicnn" / "configuration.py").read_text()
    labels = {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(config).body
              if isinstance(n, ast.Assign) and n.targets[0].id.endswith("_LABELS")}
    audio, batches, sources = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for rel, offset in EXCERPTS:
            y, _ = librosa.load(args.corpus / rel, sr=SR, offset=offset, duration=EXCERPT_SECONDS)
            pcm = np.round(np.clip(y, -1, 1) * 32767).astype(np.int16)
            wav = f"{tmp}/excerpt.wav"
            sf.write(wav, pcm, SR, subtype="PCM_16")  # musicnn's own code reads the excerpt from a file
            batch, _ = batch_data(wav, n_frames, n_frames)
            audio.append(pcm)
            batches.append(batch.astype(np.float32))
            sources.append(f"{rel} from {offset:g} s, {EXCERPT_SECONDS:g} s")
    mel = np.concatenate(batches)
    out = {"audio": np.stack(audio), "mel": mel, "patches_per_excerpt": np.array([len(b) for b in batches]),
           "sources": np.array(sources), "versions": np.array(
               [f"tensorflow {tf.__version__}, numpy {np.__version__}, librosa {librosa.__version__}"])}
    for model, key in (("MSD_musicnn", "MSD_LABELS"), ("MTT_musicnn", "MTT_LABELS")):
        probs, penultimate = run_model(args.wheel_dir, model, mel, len(labels[key]))
        prefix = model[:3].lower()
        out[f"{prefix}_tags"], out[f"{prefix}_penultimate"] = probs, penultimate
        top = np.argsort(-probs.mean(0))[:5]
        print(model, [(labels[key][i], round(float(probs.mean(0)[i]), 3)) for i in top])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **out)
    print(f"wrote {args.out}: {mel.shape[0]} patches, {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
