"""county — the county summary: every submission consolidated, counted and printed.

The summary computed (:mod:`.summarize`), its data model (:mod:`.model`), the budget list
matched (:mod:`.reconcile`), the narrative for the county's own report (:mod:`.narrative`) and
the summary workbook (:mod:`.book`, with :mod:`.forms_book` for a county whose units used more
than one form).

May import every room below it: :mod:`perfxl.batch`, :mod:`perfxl.notes`, :mod:`perfxl.check`,
:mod:`perfxl.read`, :mod:`perfxl.form`, :mod:`perfxl.ooxml` and the floor modules.
"""
