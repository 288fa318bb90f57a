"""notes — findings written back into the workbook they are about, and taken out again.

The public entry points (:mod:`.annotate`), perfxl's marks and the results sheet read back
(:mod:`.read`), writing highlights and comments (:mod:`.add`), the results sheet
(:mod:`.sheet`) and taking every trace out again (:mod:`.strip`).

May import: :mod:`perfxl.read` (the guard), :mod:`perfxl.ooxml` and the floor modules; never
the rules: a finding arrives as a :class:`perfxl.findings.Finding`.
"""

# The results sheet perfxl adds, by language: the one name the rooms above need to tell whether
# a workbook was annotated before, without importing the package-editing code.
RESULT_NAMES = {"zh": "校验结果", "en": "Check results"}
