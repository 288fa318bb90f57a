"""read — a submitted workbook, looked at and read into a typed report.

The guard that looks at a file before any reader touches it (:mod:`.guard`), the package
metadata calamine does not give (:mod:`.package`: defined names, properties, formula cells;
:mod:`.biff`: the same for a legacy .xls, from its formula records), the reader of perfxl's
templates (:mod:`.workbook`: every cell with its sheet, cell, raw text and recomputed value),
the reading of workbooks typed by hand in the printed layout (:mod:`.recognise`: which form, by
the labels it holds; :mod:`.labels`: each field found by its label), how a workbook was read
(:mod:`.fieldmap`, for ``perfxl map``) and decryption of password-protected files
(:mod:`.decrypt`).

May import: :mod:`perfxl.form`, :mod:`perfxl.ooxml` and the floor modules.
"""
