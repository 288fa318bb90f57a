"""ooxml — the workbook file as a package of parts, edited byte by byte.

The lowest room: the OPC package (:mod:`.opc`: the zip, its parts, content types and
relationships), SpreadsheetML helpers (:mod:`.spreadsheet`: edits), A1 cell references
(:mod:`.cells`), the XML span splicer (:mod:`.xmlspan`: XML edited as text, so parts perfxl
does not own stay byte for byte) and atomic writes (:mod:`.atomic`: a file is wholly the old or
wholly the new version, and only if it is still the one that was read).

May import: the standard library, third-party packages, and the floor modules
(:mod:`perfxl.errors`, :mod:`perfxl.findings`, :mod:`perfxl.numbers`, :mod:`perfxl.targets`,
:mod:`perfxl.bulk`, :mod:`perfxl.lazy`, :mod:`perfxl.words`).
Knows nothing of profiles, forms or rules.
"""
