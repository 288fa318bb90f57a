"""perfxl's own outputs, found lying among the submissions: skipped with a note, not failed.

A clerk who writes the county summary, or the annotated copies, into the inbox (or sends the
inbox on with them inside) must not see them come back on the next run as unreadable files or
as second copies of a project.  They are told by marks perfxl writes:

* the summary workbook: the custom property ``perfxl_output = summary``; summaries written before
  that property existed, by their document properties (author ``perfxl``, comment
  ``profile=…``);
* an annotated copy: the record in its results sheet says ``"copy"`` and every part perfxl
  edited is still as perfxl left it.  A copy the unit opened, changed and sent back is a
  submission again (its parts were rewritten), and is read as one.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from typing import ClassVar

OUTPUT_PROPERTY = "perfxl_output"  # custom document property of perfxl's own workbooks


@dataclass(frozen=True)
class OwnOutput:
    """A workbook perfxl wrote itself, with the note that says so."""

    reason_zh: str
    reason_en: str

    SUMMARY: ClassVar[OwnOutput]
    COPY: ClassVar[OwnOutput]

    def text(self, lang: str = "zh") -> str:
        return self.reason_en if lang == "en" else self.reason_zh


OwnOutput.SUMMARY = OwnOutput("perfxl 生成的汇总表，不是报送文件，已跳过",
                              "a summary workbook written by perfxl, not a submission: skipped")
OwnOutput.COPY = OwnOutput("perfxl 写出的批注副本（未经修改），不是报送文件，已跳过",
                           "an annotated copy written by perfxl (unchanged), not a submission: skipped")

_PROPERTY = re.compile(rb'name="' + OUTPUT_PROPERTY.encode() + rb'"[^>]*>\s*<vt:lpwstr>\s*summary\s*<')
_CREATOR = re.compile(rb"<dc:creator>\s*perfxl\s*</dc:creator>")
_COMMENT = re.compile(rb"<dc:description>\s*profile=")
_MAX = 1 << 20  # document property parts are a few hundred bytes


def own_output(zf: zipfile.ZipFile | None) -> OwnOutput | None:
    """Whether a workbook that is not a form (its zip directory, vetted) is perfxl's summary."""
    if zf is None:
        return None
    custom, core = _part(zf, "docprops/custom.xml"), _part(zf, "docprops/core.xml")
    if _PROPERTY.search(custom) or (_CREATOR.search(core) and _COMMENT.search(core)):
        return OwnOutput.SUMMARY
    return None


def own_output_file(path, data: bytes | None = None) -> OwnOutput | None:
    """:func:`own_output` for the workbook at ``path`` (its bytes ``data`` when already read)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf:
            return own_output(zf)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        return None


def _part(zf: zipfile.ZipFile, name: str) -> bytes:
    info = next((i for i in zf.infolist() if i.filename.lower().lstrip("/") == name), None)
    if info is None or info.file_size > _MAX:
        return b""
    try:
        return zf.read(info)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, RuntimeError):
        return b""
