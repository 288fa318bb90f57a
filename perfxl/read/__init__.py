"""read — a submitted workbook, looked at and read into a typed report.

The guard that looks at a file before any reader touches it (:mod:`.guard`), the package
metadata calamine does not give (:mod:`.package`: defined names, properties, formula cells),
the reader itself (:mod:`.workbook`: every cell with its sheet, cell, raw text and recomputed
value) and decryption of password-protected files (:mod:`.decrypt`).

May import: :mod:`perfxl.form`, :mod:`perfxl.ooxml` and the floor modules.
"""
