"""perfxl — 财政支出绩效自评表的模板、校验、批注与汇总。

The modules follow the data: profile → layout → template → read → check (rules) → annotate →
summarize; ``cli`` is the thin command line over them.
"""

__version__ = "0.1.0"
