"""A small sample dataset shaped like a CHAIMELEON one, for the smoke run.

`index.json` lists studies (studyId, studyName, subjectName, path, series, url), as described
by schemas/dataset-index.schema.json; `eforms.json` holds the clinical forms; each series
folder holds a few tiny but valid DICOM files (Part 10, explicit VR little endian, CT).
"""

from __future__ import annotations

import json
import struct
import uuid
from pathlib import Path

_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
_EXPLICIT_LE = "1.2.840.10008.1.2.1"
_IMPLEMENTATION = "2.25.119349874316347018651393125627417347171"
_LONG_VRS = {"OB", "OW", "OF", "SQ", "UT", "UN"}
ROWS = COLUMNS = 8


def uid(name: str) -> str:
    """A stable DICOM UID for a name (the 2.25 root takes a UUID as an integer)."""
    return f"2.25.{uuid.uuid5(uuid.NAMESPACE_URL, 'chaimeleon-lint:' + name).int}"


def _element(group: int, element: int, vr: str, value: bytes) -> bytes:
    if len(value) % 2:
        value += b"\0" if vr in ("UI", "OB") else b" "
    if vr in _LONG_VRS:
        return struct.pack("<HH2s2xI", group, element, vr.encode(), len(value)) + value
    return struct.pack("<HH2sH", group, element, vr.encode(), len(value)) + value


def dicom_file(patient: str, study: str, series: str, number: int) -> bytes:
    """One 8×8 CT slice of the study with UID `study`, enough for any DICOM reader to open."""
    instance = uid(f"{study}/{series}/{number}")
    meta = b"".join([
        _element(0x0002, 0x0001, "OB", b"\0\1"),
        _element(0x0002, 0x0002, "UI", _CT_IMAGE_STORAGE.encode()),
        _element(0x0002, 0x0003, "UI", instance.encode()),
        _element(0x0002, 0x0010, "UI", _EXPLICIT_LE.encode()),
        _element(0x0002, 0x0012, "UI", _IMPLEMENTATION.encode()),
    ])
    us = lambda v: struct.pack("<H", v)  # noqa: E731 - a tiny local formatter
    pixels = bytes((i * 7 + number) % 256 for i in range(ROWS * COLUMNS * 2))
    body = b"".join([
        _element(0x0008, 0x0016, "UI", _CT_IMAGE_STORAGE.encode()),
        _element(0x0008, 0x0018, "UI", instance.encode()),
        _element(0x0008, 0x0060, "CS", b"CT"),
        _element(0x0010, 0x0010, "PN", patient.encode()),
        _element(0x0010, 0x0020, "LO", patient.encode()),
        _element(0x0020, 0x000D, "UI", study.encode()),
        _element(0x0020, 0x000E, "UI", uid(f"{study}/{series}").encode()),
        _element(0x0020, 0x0013, "IS", str(number).encode()),
        _element(0x0028, 0x0002, "US", us(1)),
        _element(0x0028, 0x0004, "CS", b"MONOCHROME2"),
        _element(0x0028, 0x0010, "US", us(ROWS)),
        _element(0x0028, 0x0011, "US", us(COLUMNS)),
        _element(0x0028, 0x0100, "US", us(16)),
        _element(0x0028, 0x0101, "US", us(12)),
        _element(0x0028, 0x0102, "US", us(11)),
        _element(0x0028, 0x0103, "US", us(0)),
        _element(0x7FE0, 0x0010, "OW", pixels),
    ])
    group_length = _element(0x0002, 0x0000, "UL", struct.pack("<I", len(meta)))
    return b"\0" * 128 + b"DICM" + group_length + meta + body


def write_dataset(root: Path, dataset_id: str, studies: int = 2, series: int = 2, slices: int = 3,
                  dataset_url: str = "") -> list[dict]:
    """Write the dataset under root and return its index; `dataset_url` is the platform's dataset
    service (a profile may name none: then an address that resolves nowhere)."""
    dataset_url = dataset_url or "https://dataset-service.invalid/datasets/"
    index = []
    for s in range(1, studies + 1):
        subject = f"case-{s:04d}"
        study_id = uid(f"{dataset_id}/{subject}")
        names = [f"series-{n}" for n in range(1, series + 1)]
        for name in names:
            folder = root / subject / study_id / name
            folder.mkdir(parents=True, exist_ok=True)
            for n in range(1, slices + 1):
                (folder / f"{n:04d}.dcm").write_bytes(dicom_file(subject, study_id, name, n))
        index.append({"studyId": study_id, "studyName": f"CT chest {s}", "subjectName": subject,
                      "path": f"{subject}/{study_id}", "series": names,
                      "url": f"{dataset_url}{dataset_id}/studies/{study_id}"})
    (root / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    forms = [{"subjectName": e["subjectName"], "eForm": {"age": 60 + i, "sex": "F" if i % 2 else "M"}}
             for i, e in enumerate(index)]
    (root / "eforms.json").write_text(json.dumps(forms, indent=2) + "\n")
    return index
