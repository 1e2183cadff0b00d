"""Whether a DICOM file's header names a person: PatientName (0010,0010) or PatientBirthDate
(0010,0030) with a value. A small reader of the data elements up to group 0010, enough for test
data in a public repository; files it cannot read are not judged."""

from __future__ import annotations

import struct
from pathlib import Path

_TAGS = {(0x0010, 0x0010): "PatientName", (0x0010, 0x0030): "PatientBirthDate"}
_LONG_VR = {b"OB", b"OD", b"OF", b"OL", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT", b"OV"}
_IMPLICIT = b"1.2.840.10008.1.2\x00"
_ANONYMOUS = {"", "anonymous", "anon", "anonymized", "anonymised", "^", "removed", "patient"}


def identifying(path: Path, limit: int = 64 * 1024) -> str:
    """"PatientName 'DOE^JOHN'" and the like for the tags it sets; "" when none (or not DICOM)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit)
    except OSError:
        return ""
    if data[128:132] != b"DICM":
        return ""
    found, offset, implicit = [], 132, False
    while offset + 8 <= len(data):
        group, element = struct.unpack_from("<HH", data, offset)
        if group > 0x0010:
            break
        meta = group == 0x0002
        vr = data[offset + 4:offset + 6]
        if (implicit and not meta) or not vr.isalpha():
            length = struct.unpack_from("<I", data, offset + 4)[0]
            start = offset + 8
        elif vr in _LONG_VR:
            length = struct.unpack_from("<I", data, offset + 8)[0]
            start = offset + 12
        else:
            length = struct.unpack_from("<H", data, offset + 6)[0]
            start = offset + 8
        if length == 0xFFFFFFFF:
            break  # an undefined length (a sequence): nothing before group 0010 needs one
        value = data[start:start + length]
        if (group, element) == (0x0002, 0x0010):
            implicit = value.rstrip(b" ") == _IMPLICIT or value == _IMPLICIT[:-1]
        name = _TAGS.get((group, element))
        text = value.decode("latin-1").strip(" \x00")
        if name and text.lower() not in _ANONYMOUS and not set(text) <= {"0", "^"}:
            found.append(f"{name} {text!r}")
        offset = start + length
    return ", ".join(found)
