"""Small real media files made in the test: a WAV written with `wave`, a valid PNG, the
first boxes of an MP4, a WebM EBML header, an OGG page and so on, enough for the content
check; and fakes (executables named .mp3, HTML, SVG, random bytes) that it must refuse.

Each `*_bytes` function returns the file's bytes; `write` puts them on disk for a browser
test's file chooser.
"""

from __future__ import annotations

import io
import math
import random
import struct
import wave
import zlib
from collections.abc import Callable
from pathlib import Path


def write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def random_bytes(size: int = 4096, *, seed: int = 10) -> bytes:
    """Noise that matches no signature (the seed is fixed so the start is known)."""
    return b"\x00noise" + random.Random(seed).randbytes(max(size - 6, 0))


# Audio --------------------------------------------------------------------------------------


def wav_bytes(seconds: float = 0.25, rate: int = 8000) -> bytes:
    """A mono 16-bit WAV of a 440 Hz tone."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return buffer.getvalue()


def _mpeg_frames(count: int) -> bytes:
    """MPEG-1 Layer III frames, 128 kbit/s at 44.1 kHz (417 bytes each), silent."""
    return (b"\xff\xfb\x90\x64" + bytes(413)) * count


def mp3_bytes(frames: int = 8) -> bytes:
    """An MP3 with an (empty) ID3v2 tag in front, as most encoders write."""
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + _mpeg_frames(frames)


def mp3_frames_bytes(frames: int = 8) -> bytes:
    """An MP3 with no tag: the file starts with a frame header."""
    return _mpeg_frames(frames)


def ogg_bytes() -> bytes:
    """The first page of an Ogg Vorbis stream (its identification header)."""
    vorbis = b"\x01vorbis" + struct.pack("<IBIiii", 0, 1, 44100, 0, 128000, 0) + b"\xb8\x01"
    page = struct.pack("<4sBBqIIIB", b"OggS", 0, 2, 0, 1, 0, 0, 1) + bytes([len(vorbis)])
    return page + vorbis


def flac_bytes() -> bytes:
    """fLaC and a last STREAMINFO metadata block."""
    streaminfo = bytes(34)
    return b"fLaC" + b"\x80" + len(streaminfo).to_bytes(3, "big") + streaminfo


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def iso_media_bytes(brand: bytes, size: int = 2048) -> bytes:
    """An ISO base media file: an ftyp box with `brand`, then an mdat box of `size` bytes."""
    ftyp = _box(b"ftyp", brand + struct.pack(">I", 512) + brand + b"isom")
    return ftyp + _box(b"mdat", random.Random(size).randbytes(size))


def m4a_bytes() -> bytes:
    return iso_media_bytes(b"M4A ")


# Video --------------------------------------------------------------------------------------


def mp4_bytes(size: int = 2048) -> bytes:
    return iso_media_bytes(b"isom", size)


def mov_bytes() -> bytes:
    return iso_media_bytes(b"qt  ")


def webm_bytes() -> bytes:
    """An EBML header with DocType "webm", then a Segment of unknown size."""
    elements = (
        b"\x42\x86\x81\x01"  # EBMLVersion 1
        b"\x42\xf7\x81\x01"  # EBMLReadVersion 1
        b"\x42\xf2\x81\x04"  # EBMLMaxIDLength 4
        b"\x42\xf3\x81\x08"  # EBMLMaxSizeLength 8
        b"\x42\x82\x84webm"  # DocType
        b"\x42\x87\x81\x02"  # DocTypeVersion 2
        b"\x42\x85\x81\x02"  # DocTypeReadVersion 2
    )
    header = b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(elements)]) + elements
    segment = b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"
    return header + segment + random.Random(5).randbytes(512)


# Images -------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A valid RGB PNG, all red."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """A JFIF start (SOI + APP0), enough for the content check."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def gif_bytes() -> bytes:
    """A 1×1 transparent GIF89a."""
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
        b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def _riff_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def webp_bytes() -> bytes:
    vp8l = _riff_chunk(b"VP8L", b"\x2f\x00\x00\x00\x00\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8l)) + b"WEBP" + vp8l


# Fakes --------------------------------------------------------------------------------------


def elf_bytes() -> bytes:
    """The start of a Linux executable."""
    return b"\x7fELF\x02\x01\x01\x00" + bytes(56) + random_bytes(512)


def pe_bytes() -> bytes:
    """The start of a Windows executable (MZ header pointing at "PE\\0\\0")."""
    header = b"MZ" + bytes(58) + struct.pack("<I", 64)
    return header + b"PE\x00\x00" + random_bytes(512)


def html_bytes() -> bytes:
    return b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def svg_bytes() -> bytes:
    return (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    )


# (bytes, kind, MIME type) of every format the content check accepts.
ACCEPTED: dict[str, tuple[Callable[[], bytes], str, str]] = {
    "wav": (wav_bytes, "audio", "audio/wav"),
    "mp3": (mp3_bytes, "audio", "audio/mpeg"),
    "mp3-frames": (mp3_frames_bytes, "audio", "audio/mpeg"),
    "ogg": (ogg_bytes, "audio", "audio/ogg"),
    "flac": (flac_bytes, "audio", "audio/flac"),
    "m4a": (m4a_bytes, "audio", "audio/mp4"),
    "mp4": (mp4_bytes, "video", "video/mp4"),
    "mov": (mov_bytes, "video", "video/quicktime"),
    "webm": (webm_bytes, "video", "video/webm"),
    "png": (png_bytes, "image", "image/png"),
    "jpeg": (jpeg_bytes, "image", "image/jpeg"),
    "gif": (gif_bytes, "image", "image/gif"),
    "webp": (webp_bytes, "image", "image/webp"),
}
REFUSED: dict[str, Callable[[], bytes]] = {
    "elf": elf_bytes,
    "pe": pe_bytes,
    "html": html_bytes,
    "svg": svg_bytes,
    "random": random_bytes,
}
