"""form — a form described as data, and the fill-in workbook made from it.

Profiles (:mod:`.profile`, with the TOML files in ``profiles/``), the expression language of
derived figures (:mod:`.formula`), where every field lands on the sheets (:mod:`.layout`),
the recomputation of every derived figure (:mod:`.derive`) and the template writer
(:mod:`.template`).

May import: :mod:`perfxl.ooxml` (atomic writes) and the floor modules.  Knows nothing of the
workbooks units send back: reading them is :mod:`perfxl.read`'s job.
"""
