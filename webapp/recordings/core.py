"""What a recording upload may be: the container and codec read from its bytes, and the caps.

A phone says what it sends in `Content-Type`, but anyone can say anything there, so the server
reads the first bytes instead and accepts exactly what MediaRecorder makes:

- WebM (Chromium, Firefox): an EBML header whose DocType is "webm", then a Segment whose Tracks
  come before the first Cluster, every track an audio track (TrackType 2) with CodecID "A_OPUS".
- Ogg (Firefox): a first page "OggS" (version 0, beginning of stream, a correct CRC) whose
  first packet is an "OpusHead" identification header.
- MP4 (Safari): an "ftyp" box first, then a "moov" box whose tracks are all sound tracks
  ("soun" handler) with an "mp4a" sample entry (AAC). Fragmented MP4 keeps the same "moov".

Anything else (a picture, a video, a text file renamed .webm, a truncated header) is refused.
The readers never trust a size field to stay inside the data: every slice is bounded.
"""

from __future__ import annotations

import re
import struct

# 30 seconds of Opus at 64 kbit/s is about 240 KB; AAC from Safari at 128 kbit/s about 480 KB.
MAX_BYTES = 1024 * 1024
MAX_SECONDS = 30
# Per account: enough for every line a person reads in a morning, and a bound on what one
# account can make the server keep.
MAX_RECORDINGS = 20

# "own-<n>" or a curated id such as "self-worth-3": lower-case words and a number, nothing else
# (no NUL, no unicode) reaches a query.
AFFIRMATION_ID = re.compile(r"[a-z][a-z-]{0,50}-[0-9]{1,9}")
OWN_ID = re.compile(r"own-([1-9][0-9]{0,8})")

WEBM, OGG, MP4 = "audio/webm", "audio/ogg", "audio/mp4"


def is_affirmation_id(text: str) -> bool:
    """Whether `text` is shaped like an affirmation id (it may still name no affirmation)."""
    return AFFIRMATION_ID.fullmatch(text) is not None


def own_affirmation_number(affirmation_id: str) -> int | None:
    """The row number in "own-<n>" (at most 9 digits, so any database can hold it), else None."""
    match = OWN_ID.fullmatch(affirmation_id)
    return int(match.group(1)) if match else None


def sniff_audio(data: bytes) -> str | None:
    """The media type of `data` when it is Opus in WebM or Ogg, or AAC in MP4; otherwise None."""
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if _is_webm_opus(data) else None
    if data.startswith(b"OggS"):
        return OGG if _is_ogg_opus(data) else None
    if data[4:8] == b"ftyp":
        return MP4 if _is_mp4_aac(data) else None
    return None


# --- WebM (EBML) ------------------------------------------------------------------------------

EBML_HEADER, DOC_TYPE = 0x1A45DFA3, 0x4282
SEGMENT, TRACKS, TRACK_ENTRY, CLUSTER = 0x18538067, 0x1654AE6B, 0xAE, 0x1F43B675
TRACK_TYPE, CODEC_ID = 0x83, 0x86
AUDIO_TRACK = 2


def _vint(data: bytes, at: int, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at `at`: (value, next offset), or None when cut short."""
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()  # the position of the first set bit
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, at + length


def _read_element(data: bytes, at: int):
    """(id, payload start, size, all-ones size?) of the element at `at`, or None when cut short."""
    element = _vint(data, at, keep_marker=True)
    if element is None:
        return None
    element_id, at = element
    start = at
    size = _vint(data, at, keep_marker=False)
    if size is None:
        return None
    length, at = size
    width = at - start
    unknown = length == (1 << (7 * width)) - 1
    return element_id, at, length, unknown


def _children(data: bytes, start: int, end: int):
    at = start
    while at < end:
        found = _read_element(data, at)
        if found is None:
            return
        element_id, payload, length, unknown = found
        yield element_id, payload, length, unknown
        if unknown:
            return  # only a Segment or a Cluster may have an unknown size; nothing follows it here
        at = payload + length


def _is_webm_opus(data: bytes) -> bool:
    header = _read_element(data, 0)
    if header is None or header[0] != EBML_HEADER or header[3]:
        return False
    _, payload, length, _ = header
    doc_type = next(
        (
            data[p : p + n]
            for element_id, p, n, _ in _children(data, payload, payload + length)
            if element_id == DOC_TYPE
        ),
        None,
    )
    if doc_type != b"webm":
        return False
    segment = _read_element(data, payload + length)
    if segment is None or segment[0] != SEGMENT:
        return False
    _, segment_start, segment_length, segment_unknown = segment
    segment_end = len(data) if segment_unknown else min(len(data), segment_start + segment_length)
    at = segment_start
    while at < segment_end:
        found = _read_element(data, at)
        if found is None:
            return False
        element_id, child, length, unknown = found
        if element_id == CLUSTER or unknown:
            return False  # audio before any track says what it is
        if element_id == TRACKS:
            return _tracks_are_opus(data, child, min(segment_end, child + length))
        at = child + length
    return False


def _tracks_are_opus(data: bytes, start: int, end: int) -> bool:
    entries = [(p, n) for element_id, p, n, _ in _children(data, start, end) if element_id == TRACK_ENTRY]
    if not entries:
        return False
    for payload, length in entries:
        fields = {
            element_id: data[p : p + n] for element_id, p, n, _ in _children(data, payload, payload + length)
        }
        if int.from_bytes(fields.get(TRACK_TYPE, b""), "big") != AUDIO_TRACK:
            return False
        if fields.get(CODEC_ID) != b"A_OPUS":
            return False
    return True


# --- Ogg --------------------------------------------------------------------------------------


def _ogg_crc(page: bytes) -> int:
    """Ogg's CRC-32: polynomial 0x04C11DB7, no reflection, initial value 0 (zlib's is reflected)."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _is_ogg_opus(data: bytes) -> bool:
    if len(data) < 27 or data[4] != 0 or not data[5] & 0x02:  # version 0, beginning of stream
        return False
    segments = data[26]
    header_end = 27 + segments
    if len(data) < header_end:
        return False
    body_length = sum(data[27:header_end])
    page_end = header_end + body_length
    if len(data) < page_end:
        return False
    stored = struct.unpack_from("<I", data, 22)[0]
    page = data[:22] + b"\0\0\0\0" + data[26:page_end]
    if _ogg_crc(page) != stored:
        return False
    body = data[header_end:page_end]
    return body.startswith(b"OpusHead") and len(body) >= 19 and body[8] == 1


# --- MP4 (ISO BMFF) ---------------------------------------------------------------------------


def _boxes(data: bytes, start: int, end: int):
    """(type, payload start, payload end) of each box between start and end, bounded by both."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            if at + 16 > end:
                return
            size = struct.unpack_from(">Q", data, at + 8)[0]
            header = 16
        elif size == 0:
            size = end - at
        if size < header:
            return
        yield kind, at + header, min(end, at + size)
        at += size


def _child(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, payload, payload_end in _boxes(data, start, end):
        if found == kind:
            return payload, payload_end
    return None


def _is_mp4_aac(data: bytes) -> bool:
    top = list(_boxes(data, 0, len(data)))
    if not top or top[0][0] != b"ftyp":
        return False
    moov = next(((start, end) for kind, start, end in top if kind == b"moov"), None)
    if moov is None:
        return False
    tracks = [(start, end) for kind, start, end in _boxes(data, *moov) if kind == b"trak"]
    if not tracks:
        return False
    for track in tracks:
        mdia = _child(data, *track, b"mdia")
        hdlr = mdia and _child(data, *mdia, b"hdlr")
        if not hdlr or data[hdlr[0] + 8 : hdlr[0] + 12] != b"soun":
            return False
        minf = _child(data, *mdia, b"minf")
        stbl = minf and _child(data, *minf, b"stbl")
        stsd = stbl and _child(data, *stbl, b"stsd")
        if not stsd or stsd[1] - stsd[0] < 16:
            return False
        # stsd: version and flags (4), entry count (4), then the first sample entry's box.
        if data[stsd[0] + 12 : stsd[0] + 16] != b"mp4a":
            return False
    return True
