"""batch — many submitted files at once, each failing alone.

Every file under the inputs found and told what it is (:mod:`.walk`), gathered from paths,
folders and zips (:mod:`.inputs`), perfxl's own outputs told apart (:mod:`.own`), worker
processes bounded in time and memory (:mod:`.isolate`), the validate pipeline — read, check,
explanations — with one result per file (:mod:`.validate`), writing notes, copies and clean in
the workers with outputs kept off the inputs (:mod:`.write`), what killed runs left swept away
(:mod:`.debris`), and the console and JSON views (:mod:`.output`).

May import: :mod:`perfxl.notes`, :mod:`perfxl.check`, :mod:`perfxl.read`, :mod:`perfxl.form`,
:mod:`perfxl.ooxml` and the floor modules.
"""
