"""The rule catalogue, by group: V 单元格取值, F 资金, D 支出明细, S 得分, I 绩效指标, T 封面与文字, P 合理性,
L 按标签读取.

Importing this package registers every rule with :func:`perfxl.check.rule`.
"""

from . import details, execution, funds, indicators, labels, plausibility, scores, text, values, writing  # noqa: F401
