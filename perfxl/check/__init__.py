"""check — the rules a careful reviewer applies, run over reports.

The catalogue (:mod:`.catalogue`: every rule's code, name, severity and two-language page,
listed without pandas), the engine (:mod:`.engine`: :class:`~.engine.Settings` and one pass of
every rule over many workbooks), the settings file (:mod:`.config`) and the rules themselves
(:mod:`.rules`, one small documented function each, grouped by code prefix).

May import: :mod:`perfxl.read`, :mod:`perfxl.form`, :mod:`perfxl.ooxml` and the floor modules.
"""
