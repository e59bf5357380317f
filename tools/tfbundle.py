"""Read TensorFlow tensor-bundle checkpoints (`PREFIX.index` + `PREFIX.data-*`) without TensorFlow.

The format, as TensorFlow writes it (tensorflow/core/util/tensor_bundle):

* `PREFIX.index` is a LevelDB-style SSTable. Its last 48 bytes are a footer: two block handles (the
  metaindex and the index block; a handle is two varints, offset and size), zero padding, and the magic
  number 0xdb4775248b80fb57. Every block is followed by a 5-byte trailer: a compression byte (TensorFlow
  writes bundles uncompressed, 0) and the masked CRC32C of block + compression byte. A block holds
  prefix-compressed entries (varints shared, unshared, value length; the unshared key bytes; the value),
  then an array of uint32 restart offsets and their count. The index block maps keys to data-block
  handles; data blocks map tensor names to serialized `BundleEntryProto`s. The empty key holds the
  `BundleHeaderProto` (number of shards, endianness, version).
* `BundleEntryProto` (protobuf): 1 dtype (enum), 2 shape (`TensorShapeProto`: repeated 2 dim, each with
  1 size), 3 shard_id, 4 offset, 5 size, 6 crc32c (fixed32, masked), 7 slices (partitioned variables;
  not supported here).
* `PREFIX.data-SSSSS-of-NNNNN` holds each tensor's raw bytes, C order, at `offset`, `size` bytes long.

Usage: `python tools/tfbundle.py PREFIX` lists the tensors. Written for tools/convert_musicnn.py; it reads
any bundle of numeric tensors."""
from __future__ import annotations

import struct
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5

# tensorflow/core/framework/types.proto: the numeric DataType values and their numpy equivalents
DTYPES = {
    1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8, 9: np.int64,
    10: np.bool_, 17: np.uint16, 19: np.float16, 22: np.uint32, 23: np.uint64,
}


class BundleError(ValueError):
    """The files are not a tensor bundle this reader understands (with the path and the reason)."""


# --- CRC32C (Castagnoli), as LevelDB and TensorFlow store it: masked -------------------------------

def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """LevelDB masks stored CRCs so that a CRC of data that contains CRCs stays meaningful."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# --- varints and protobuf wire format --------------------------------------------------------------

def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """(value, next position) of the base-128 varint at `pos`."""
    value = shift = 0
    while True:
        if pos >= len(buf):
            raise BundleError("truncated varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def proto_fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of a serialized protobuf message: ints for varint/fixed, bytes else."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 1:
            value, pos = struct.unpack_from("<Q", buf, pos)[0], pos + 8
        elif wire == 2:
            length, pos = read_varint(buf, pos)
            value, pos = bytes(buf[pos:pos + length]), pos + length
        elif wire == 5:
            value, pos = struct.unpack_from("<I", buf, pos)[0], pos + 4
        else:
            raise BundleError(f"unsupported protobuf wire type {wire}")
        out.append((number, value))
    return out


# --- the SSTable -------------------------------------------------------------------------------------

def _block_handle(buf: bytes, pos: int) -> tuple[tuple[int, int], int]:
    offset, pos = read_varint(buf, pos)
    size, pos = read_varint(buf, pos)
    return (offset, size), pos


def _read_block(table: bytes, handle: tuple[int, int], verify: bool) -> bytes:
    offset, size = handle
    block = table[offset:offset + size]
    trailer = table[offset + size:offset + size + BLOCK_TRAILER_SIZE]
    if len(block) != size or len(trailer) != BLOCK_TRAILER_SIZE:
        raise BundleError("block runs past the end of the index file")
    if trailer[0] != 0:
        raise BundleError(f"compressed index blocks (type {trailer[0]}) are not supported")
    if verify and masked_crc32c(block + trailer[:1]) != struct.unpack("<I", trailer[1:])[0]:
        raise BundleError(f"index block at {offset} fails its checksum")
    return block


def _block_entries(block: bytes) -> list[tuple[bytes, bytes]]:
    """The (key, value) pairs of one block, keys rebuilt from their shared prefixes."""
    (num_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    end = len(block) - 4 - 4 * num_restarts
    entries = []
    key = b""
    pos = 0
    while pos < end:
        shared, pos = read_varint(block, pos)
        unshared, pos = read_varint(block, pos)
        value_len, pos = read_varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        entries.append((key, block[pos:pos + value_len]))
        pos += value_len
    return entries


def read_table(data: bytes, verify: bool = True) -> list[tuple[bytes, bytes]]:
    """All (key, value) pairs of an SSTable, in key order."""
    if len(data) < FOOTER_SIZE:
        raise BundleError("index file too short for an SSTable footer")
    footer = data[-FOOTER_SIZE:]
    if struct.unpack("<Q", footer[-8:])[0] != TABLE_MAGIC:
        raise BundleError("not an SSTable (bad magic number)")
    _metaindex, pos = _block_handle(footer, 0)
    index_handle, _ = _block_handle(footer, pos)
    out = []
    for _last_key, handle_bytes in _block_entries(_read_block(data, index_handle, verify)):
        handle, _ = _block_handle(handle_bytes, 0)
        out.extend(_block_entries(_read_block(data, handle, verify)))
    return out


# --- bundle entries and tensors ----------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    name: str
    dtype: int
    shape: tuple[int, ...]
    shard: int
    offset: int
    size: int
    crc32c: int | None


def _shape(buf: bytes) -> tuple[int, ...]:
    dims = []
    for number, value in proto_fields(buf):
        if number == 2:  # Dim
            size = dict(proto_fields(value)).get(1, 0)
            dims.append(size - (1 << 64) if size >= 1 << 63 else size)  # int64 -1 means unknown
        elif number == 3 and value:
            raise BundleError("tensor of unknown rank")
    return tuple(dims)


def parse_entry(name: str, buf: bytes) -> Entry:
    fields = dict(proto_fields(buf))
    if 7 in fields:
        raise BundleError(f"{name}: sliced (partitioned) tensors are not supported")
    return Entry(name=name, dtype=int(fields.get(1, 0)), shape=_shape(fields.get(2, b"")),
                 shard=int(fields.get(3, 0)), offset=int(fields.get(4, 0)), size=int(fields.get(5, 0)),
                 crc32c=fields.get(6))


class Bundle:
    """A checkpoint's tensors by name: `Bundle(prefix).tensors()` -> {name: numpy array}."""

    def __init__(self, prefix: str | Path, verify: bool = True):
        self.prefix = str(prefix)
        self.verify = verify
        index_path = Path(self.prefix + ".index")
        try:
            table = read_table(index_path.read_bytes(), verify)
        except OSError as exc:
            raise BundleError(f"{index_path}: {exc}") from exc
        except (BundleError, struct.error, IndexError) as exc:
            raise BundleError(f"{index_path}: {exc}") from exc
        header = dict(table).get(b"")
        if header is None:
            raise BundleError(f"{index_path}: no bundle header entry")
        header_fields = dict(proto_fields(header))
        self.num_shards = int(header_fields.get(1, 1))
        if header_fields.get(2, 0) != 0:  # 0 = little endian
            raise BundleError(f"{index_path}: big-endian bundles are not supported")
        self.entries = {k.decode(): parse_entry(k.decode(), v) for k, v in table if k}

    def _data_path(self, shard: int) -> Path:
        return Path(f"{self.prefix}.data-{shard:05d}-of-{self.num_shards:05d}")

    def tensors(self) -> dict[str, np.ndarray]:
        shards: dict[int, bytes] = {}
        out = {}
        for name, entry in self.entries.items():
            if entry.shard not in shards:
                shards[entry.shard] = self._data_path(entry.shard).read_bytes()
            out[name] = self._tensor(entry, shards[entry.shard])
        return out

    def _tensor(self, entry: Entry, shard: bytes) -> np.ndarray:
        if entry.dtype not in DTYPES:
            raise BundleError(f"{entry.name}: unsupported dtype enum {entry.dtype}")
        raw = shard[entry.offset:entry.offset + entry.size]
        if len(raw) != entry.size:
            raise BundleError(f"{entry.name}: data runs past the end of shard {entry.shard}")
        if self.verify and entry.crc32c is not None and masked_crc32c(raw) != entry.crc32c:
            raise BundleError(f"{entry.name}: data fails its checksum")
        dtype = np.dtype(DTYPES[entry.dtype]).newbyteorder("<")
        count = int(np.prod(entry.shape)) if entry.shape else 1
        if count * dtype.itemsize != entry.size:
            raise BundleError(f"{entry.name}: {entry.size} bytes do not hold shape {entry.shape}")
        return np.frombuffer(raw, dtype=dtype).reshape(entry.shape).astype(dtype.newbyteorder("="))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tools/tfbundle.py CHECKPOINT_PREFIX", file=sys.stderr)
        return 2
    bundle = Bundle(argv[0], verify=False)
    for name, entry in sorted(bundle.entries.items()):
        dtype = np.dtype(DTYPES[entry.dtype]).name if entry.dtype in DTYPES else f"enum {entry.dtype}"
        print(f"{name}\t{dtype}\t{list(entry.shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
