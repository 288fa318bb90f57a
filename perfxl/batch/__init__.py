"""batch — many submitted files at once, each failing alone.

Gathering the files from paths, folders and zips (:mod:`.inputs`), worker processes bounded in
time and memory (:mod:`.isolate`), the validate pipeline — read, check, explanations — with one
result per file (:mod:`.validate`), and its console and JSON views (:mod:`.output`).

May import: :mod:`perfxl.notes`, :mod:`perfxl.check`, :mod:`perfxl.read`, :mod:`perfxl.form`,
:mod:`perfxl.ooxml` and the floor modules.
"""
