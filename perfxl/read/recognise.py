"""Which form a workbook typed by hand holds, and where on its sheets: recognition by labels.

A workbook without perfxl's marks (no custom property, no defined names) is what a unit makes
when it types the printed form into a sheet of its own: one sheet as printed, a sheet per
section, the province's own .xls, or one sheet of a project's whole file.  It is recognised as
a reviewer recognises it, by the labels it holds: every profile is scored by the share of its
labels (and their spellings listed in the profile's ``[labels]``) found in the workbook, and the
best one above its threshold is read; otherwise the message names the nearest form and the
labels that were missing.

Labels are compared by :func:`label_key`: without spaces (``合 计``), width (full-width
characters), parenthesised parts (行次 such as ``(5)=(3)-(4)``, 分值 such as ``(1 分)``,
remarks such as ``（一级预算单位）``), leading enumerators and punctuation.  A cell
``项目名称：XXX`` holds a label and its value at once.

Where the form stands: each section of the profile (a sheet of the template) is anchored by its
heading (``一、项目概况``) or by a sheet named after it; an anchored section runs down to the next
anchor.  A section without an anchor (the cover, which has no heading) takes the part of the
sheets no anchor claims that holds most of its labels.  Sheets that hold none of it are left
alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from perfxl.errors import NotAForm
from perfxl.form.profile import LABEL_MONEY_UNITS, Block, Profile

# --------------------------------------------------------------------------- comparing labels

_SPACE = re.compile(r"\s+")
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_ENUM = re.compile(r"^(?:[一二三四五六七八九十]+|[0-9]{1,2}|[a-z])[、.．)]", re.IGNORECASE)
_DROP = re.compile(r"[=+\-−–—×÷*/:：、,，.。;；'\"“”‘’《》<>?？!！_~·•…()\[\]【】〔〕]+")
_COLON = re.compile(r"[:：]")


@lru_cache(maxsize=1 << 16)
def label_key(text: str) -> str:
    """A label as compared: 'Ｂ 合 计（万元）' → 'b合计'; '资金结余 (5)=(3)-(4)' → '资金结余';
    '项目论证 (1 分)' → '项目论证'; '一、项目概况' → '项目概况'."""
    s = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    while True:
        shorter = _PARENS.sub("", s)
        if shorter == s:
            break
        s = shorter
    s = _ENUM.sub("", s)
    return _DROP.sub("", s).lower()


@lru_cache(maxsize=1 << 14)
def heading_key(text: str) -> str:
    """A heading as compared: its enumerator kept ('一、项目概况' is not the caption '项目概况'),
    its punctuation unified ('一.项目概况' = '一、项目概况')."""
    s = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    s = re.sub(r"^([一二三四五六七八九十]+)[、.．,，]", r"\1、", s)
    return s.rstrip(":：。.").lower()


@lru_cache(maxsize=1 << 14)
def split_colon(text: str) -> tuple[str, str] | None:
    """'项目名称：XXX' → ('项目名称', 'XXX'); None when the text holds no colon after a label."""
    m = _COLON.search(text)
    if m is None or m.start() == 0:
        return None
    return text[: m.start()], text[m.end():].strip()


_UNIT = re.compile(r"(?:单位\s*[:：]\s*|[(（]\s*)(万元|千元|亿元|元)")


def declared_unit(text) -> str | None:
    """The money unit a text declares: '单位：万元', '（万元）', '金额单位:元' → that unit."""
    if not isinstance(text, str) or "元" not in text:
        return None
    m = _UNIT.search(unicodedata.normalize("NFKC", text).replace("(", "（"))
    return m.group(1) if m else None


def unit_factor(unit: str | None) -> float:
    return float(LABEL_MONEY_UNITS.get(unit or "元", 1))


# --------------------------------------------------------------------------- a sheet as text


@lru_cache(maxsize=1 << 16)
def _facts(text: str) -> tuple[str, str | None, tuple[str, str] | None]:
    """What a text cell is to the reader, worked out once per text (the same labels recur in
    every workbook): its label key, its heading key (short texts only) and, written
    ``标签：值``, the key before the colon with the value after it."""
    head = heading_key(text) if len(text) <= 40 else None
    parts = split_colon(text) if ("：" in text or ":" in text) else None
    colon = None
    if parts:
        before = label_key(parts[0])
        if before:
            colon = (before, parts[1])
    return label_key(text), head, colon


@dataclass(eq=False)
class Page:
    """One worksheet as the reader sees it: its values, merged cells, and each text cell's key."""

    name: str
    index: int
    rows: list[list]
    merged: dict[tuple[int, int], tuple[int, int]]  # top-left → bottom-right
    covered: dict[tuple[int, int], tuple[int, int]]  # a cell inside a merge → its top-left
    keys: list[dict[int, str]]  # per row: column → the key of the whole cell
    colons: list[dict[int, tuple[str, str]]]  # per row: column → (key of the part before ':', value)
    heads: list[tuple[int, int, str]]  # (row, column, heading_key) of the short texts: headings

    @classmethod
    def of(cls, name: str, index: int, rows: list[list], merges) -> Page:
        merged, covered = {}, {}
        for (r0, c0), (r1, c1) in merges or ():
            merged[(r0, c0)] = (r1, c1)
            if (r1 - r0 + 1) * (c1 - c0 + 1) <= 4096:
                for r in range(r0, r1 + 1):
                    for c in range(c0, c1 + 1):
                        if (r, c) != (r0, c0):
                            covered[(r, c)] = (r0, c0)
        keys, colons, heads = [], [], []
        for r, row in enumerate(rows):
            k, col = {}, {}
            for c, v in [(c, v) for c, v in enumerate(row) if type(v) is str and v]:  # most cells are blank
                key, head, colon = _facts(v) if len(v) <= 200 else _facts.__wrapped__(v)
                if key:
                    k[c] = key
                if head is not None:
                    heads.append((r, c, head))
                if colon is not None:
                    col[c] = colon
            keys.append(k)
            colons.append(col)
        return cls(name, index, rows, merged, covered, keys, colons, heads)

    def value(self, row: int, col: int):
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return ""

    def span_end(self, row: int, col: int) -> int:
        """The last column of the cell at (row, col), merged or not."""
        return self.merged.get((row, col), (row, col))[1]

    def span_bottom(self, row: int, col: int) -> int:
        return self.merged.get((row, col), (row, col))[0]

    def row_keys(self, row: int) -> set[str]:
        out = set(self.keys[row].values()) if row < len(self.keys) else set()
        if row < len(self.colons):
            out.update(k for k, _ in self.colons[row].values())
        return out


@dataclass(eq=False)
class Area:
    """Rows [top, bottom) of a page: a section's part of the workbook."""

    page: Page
    top: int
    bottom: int
    section: str | None = None  # the profile sheet anchored here
    anchor: tuple[int, int] | None = None  # the heading's cell, or (0, 0) for a sheet's name

    @property
    def rows(self) -> range:
        return range(self.top, min(self.bottom, len(self.page.rows)))

    def keys(self) -> set[str]:
        out: set[str] = set()
        for r in self.rows:
            out |= self.page.row_keys(r)
        return out


# --------------------------------------------------------------------------- a profile's labels


@dataclass(frozen=True)
class Term:
    """One label of a profile: as printed, its keys (its spellings), and the section it is in."""

    text: str
    keys: frozenset[str]
    section: str
    scored: bool = True  # counts towards recognising the form
    pattern: Shape | None = None  # a label-less field found by its shape (the report's title)
    heading: str = ""  # a section heading, found by its heading_key
    rank: int = 1  # how telling its absence is: 0 headings and table headers, 1 fields, 2 rows
    shapes: tuple[str, ...] = ()  # a field printed without its label: the texts it stands in ('（{value}年度）')


@lru_cache(maxsize=4096)
def spellings(profile: Profile, text: str) -> frozenset[str]:
    """The keys of a label: its own and those of the spellings the profile lists for it."""
    return frozenset(_synonyms(profile).get(label_key(text), frozenset()) | {label_key(text)} - {""})


@lru_cache(maxsize=16)
def _synonyms(profile: Profile) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for label, others in profile.by_labels.synonyms.items():
        out.setdefault(label_key(label), set()).update(label_key(o) for o in others)
    return {k: frozenset(v - {""}) for k, v in out.items()}


@dataclass(frozen=True)
class Shape:
    """A label-less field's default as a pattern over keys: '{county} {year} 年财政支出绩效自评报告'
    matches '和平县2020年财政支出绩效自评报告' (the placeholders stand for any short text)."""

    text: str
    parts: tuple[str, ...]  # the keys of the literal pieces between the placeholders
    regex: re.Pattern

    def fullmatch(self, key: str) -> bool:
        if len(key) > 80 or not key.startswith(self.parts[0]) or not key.endswith(self.parts[-1]):
            return False
        return self.regex.fullmatch(key) is not None


def shape(template: str) -> Shape | None:
    parts = tuple(label_key(p) for p in re.split(r"\{[a-z_]+\}", template))
    if len(parts) < 2 or not "".join(parts):
        return None
    return Shape(template, parts, re.compile(".{0,40}?".join(re.escape(p) for p in parts)))


def block_terms(profile: Profile, block: Block, section: str) -> list[Term]:
    """The labels a block prints (its headers, row and column labels, field labels)."""
    def term(text: str, scored: bool = True, rank: int = 1) -> Term | None:
        keys = spellings(profile, text)
        return Term(text, keys, section, scored, rank=rank) if keys else None

    texts: list[tuple[str, bool]] = []
    heads: list[str] = []
    if block.kind == "heading":
        return []  # headings anchor sections: see section_terms
    if block.kind == "fields":
        out = []
        unprinted = profile.by_labels.unprinted
        for f in block.fields:
            if block.labels:
                texts.append((f.label, f.key not in unprinted))  # perfxl's own field: no proof of the form
            elif f.default and (pattern := shape(f.default)) is not None:
                out.append(Term(f.label, frozenset(), section, True, pattern))
        shaped = {f.label: tuple(profile.by_labels.shapes[f.key]) for f in block.fields
                  if f.key in profile.by_labels.shapes}
        out += [t for t in (term(x, s) for x, s in texts) if t]
        return [replace(t, shapes=shaped[t.text]) if t.text in shaped else t for t in out]
    if block.kind == "longtext":
        texts += [(block.caption, True)] if block.caption else []
        texts += [(f.label, True) for f in block.fields]
    elif block.kind == "grid":
        heads += [x for x in (block.caption, block.row_header, block.code_header) if x]
        heads += [c.label for c in block.columns]
        texts += [(r.label, True) for r in block.rows]
    elif block.kind == "list":
        heads += [x for x in (block.caption, block.number_header, block.total) if x] + [c.label for c in block.columns]
    elif block.kind == "indicators":  # the unit's own list: its headers, 总分 and the grade
        heads += [block.caption] if block.caption else []
        heads += [c.label for c in block.columns] + [x for x in (block.total_label, block.grade_label) if x]
    elif block.kind == "tree":
        heads += list(block.headers) + [c.label for c in block.columns]
        texts += [(h, False) for h in block.rollup_headers]  # perfxl's own columns, not printed
        texts += [(i.label, True) for i in block.indicators]
        texts += [(x, True) for x in (block.total_label, block.grade_label) if x]
    out = [term(h, True, 0) for h in heads] + [term(x, s, 1 if block.kind == "longtext" else 2) for x, s in texts]
    return [t for t in out if t]


@dataclass(frozen=True)
class Section:
    key: str  # the profile sheet's key
    names: frozenset[str]  # keys of its name, its section heading and their spellings
    headings: frozenset[str]  # heading_key of its section headings
    terms: tuple[Term, ...]


@lru_cache(maxsize=16)
def sections(profile: Profile) -> tuple[Section, ...]:
    out = []
    for sheet in profile.sheets:
        heads = [b.text for b in sheet.blocks if b.kind == "heading" and b.style == "section"]
        names = spellings(profile, sheet.name).union(*(spellings(profile, h) for h in heads))
        terms = [t for b in sheet.blocks for t in block_terms(profile, b, sheet.key)]
        out.append(Section(sheet.key, frozenset(names), frozenset(heading_key(h) for h in heads),
                           tuple(terms)))
    return tuple(out)


@lru_cache(maxsize=16)
def scored_terms(profile: Profile) -> tuple[Term, ...]:
    """The profile's labels that recognise it, each distinct label once (合计 is printed thrice)."""
    seen, out = set(), []
    for section in sections(profile):
        for t in section.terms:
            ident = t.pattern.text if t.pattern is not None else min(t.keys)
            if t.scored and ident not in seen:
                seen.add(ident)
                out.append(t)
        for head in sorted(section.headings):
            if head not in seen:
                seen.add(head)
                out.append(Term(head, frozenset(), section.key, True, heading=head, rank=0))
    return tuple(out)


@lru_cache(maxsize=16)
def all_keys(profile: Profile) -> frozenset[str]:
    """Every key of every label of the profile: what is a label, not a value."""
    return frozenset(k for s in sections(profile) for t in s.terms for k in t.keys)


# --------------------------------------------------------------------------- recognising


@dataclass(eq=False)
class Match:
    """A profile and where its form stands in a workbook."""

    profile: Profile
    score: float
    found: list[str]
    missing: list[str]  # the labels of the form not found, as printed
    pages: list[Page]
    areas: dict[str, Area]  # profile sheet key → where that section stands
    spare: list[Area]  # the parts of the sheets no section claimed

    @property
    def sheets(self) -> list[str]:
        """The sheets that hold the form, in the workbook's order."""
        used = {a.page.index for a in self.areas.values()}
        return [p.name for p in self.pages if p.index in used]


MAX_CELLS = 200_000  # a sheet larger than this is data, not a form typed by hand


def pages_of(book, only: set[str] | None = None) -> list[Page]:
    """The worksheets of a calamine workbook as :class:`Page` s (``only`` those named): chart
    sheets, sheets calamine cannot give and sheets too large to be a form are passed over."""
    out = []
    for index, name in enumerate(book.sheet_names):
        if only is not None and name not in only:
            continue
        try:
            sheet = book.get_sheet_by_name(name)
            if sheet.height * sheet.width > MAX_CELLS:
                continue
            rows = sheet.to_python(skip_empty_area=False)
            merges = sheet.merged_cell_ranges
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # a chart sheet or a sheet calamine cannot give: not the form
            continue
        out.append(Page.of(name, index, rows, merges))
    return out


def _present(pages: list[Page]) -> tuple[set[str], set[str], set[str]]:
    """The keys of every cell (whole and before a colon), the keys of whole cells, and the
    heading keys of every text."""
    keys: set[str] = set()
    heads: set[str] = set()
    for page in pages:
        for row in page.keys:
            keys.update(row.values())
        heads.update(h for _, _, h in page.heads)
    whole = set(keys)
    for page in pages:
        for row in page.colons:
            keys.update(k for k, _ in row.values())
    return keys, whole, heads


def score(profile: Profile, pages: list[Page], present=None) -> tuple[float, list[str], list[str]]:
    """The share of the profile's labels found in the pages; the labels found and missing."""
    keys, whole, heads = present or _present(pages)
    found, missing = [], []
    for term in _ranked(profile):
        if term.heading:
            hit = term.heading in heads
        elif term.pattern is not None:
            hit = any(term.pattern.fullmatch(t) for t in whole)
        else:
            hit = not term.keys.isdisjoint(keys) or (bool(term.shapes) and _shaped(term.shapes, heads))
        (found if hit else missing).append(term.text)
    total = len(found) + len(missing)
    return (len(found) / total if total else 0.0), found, missing


def _shaped(shapes: tuple[str, ...], heads: set[str]) -> bool:
    """Whether a short text of the workbook has one of ``shapes`` ('（2025年度）' for '（{value}年度）')."""
    for pattern, literal in _shape_literals(shapes):
        for h in heads:
            if literal in h and pattern.fullmatch(h.replace("(", "（").replace(")", "）")):
                return True
    return False


@lru_cache(maxsize=64)
def _shape_literals(shapes: tuple[str, ...]) -> tuple[tuple[re.Pattern, str], ...]:
    """Each shape's pattern with the longest piece of text it holds, as heading keys hold it
    (brackets ASCII): a cheap test before the pattern's."""
    out = []
    for text, pattern in zip(shapes, shape_patterns(shapes), strict=True):
        pieces = [heading_key(p).replace("（", "(").replace("）", ")") for p in text.split("{value}")]
        out.append((pattern, max(pieces, key=len)))
    return tuple(out)


@lru_cache(maxsize=16)
def _ranked(profile: Profile) -> tuple[Term, ...]:
    return tuple(sorted(scored_terms(profile), key=lambda t: t.rank))


@lru_cache(maxsize=64)
def shape_patterns(shapes: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    """'（{value}年度）' as a pattern over a text as :func:`squash` gives it (or a heading key)."""
    out = []
    for text in shapes:
        before, after = (re.escape(squash(part)) for part in text.split("{value}"))
        out.append(re.compile(f"{before}(.{{1,30}}?){after}"))
    return tuple(out)


def squash(text: str) -> str:
    """A text as a shape is compared: full width and spaces gone, brackets alike, lower case."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).replace("(", "（").replace(")", "）").lower()


def recognise(pages: list[Page], profiles: list[Profile]) -> Match:
    """The best-matching profile's :class:`Match`, or NotAForm naming the nearest form and the
    labels it lacks."""
    present = _present(pages)
    ranked = []
    for profile in profiles:
        share, found, missing = score(profile, pages, present)
        ranked.append((share, profile, found, missing))
    if not ranked:
        raise NotAForm("不是绩效自评表：没有可用的表样", message_en="no form profile available")
    # the highest share; of two alike (a province's variant holds the national form's labels and
    # more), the one that explains more of the workbook; then the first
    share, profile, found, missing = max(ranked, key=lambda x: (x[0], len(x[2])))
    if share < profile.by_labels.threshold or not found:
        zh, en = _not_this_form(profile, share, found, missing)
        raise NotAForm(zh, message_en=en)
    return locate(profile, pages, share, found, missing)


def match(pages: list[Page], profile: Profile) -> Match:
    """The :class:`Match` of a given profile, or NotAForm when the workbook holds too few of its
    labels to be that form."""
    share, found, missing = score(profile, pages)
    if share < profile.by_labels.threshold or not found:
        zh, en = _not_this_form(profile, share, found, missing)
        raise NotAForm(zh, message_en=en)
    return locate(profile, pages, share, found, missing)


def _not_this_form(profile: Profile, share: float, found: list[str], missing: list[str]) -> tuple[str, ...]:
    shown = "、".join(f"“{m}”" for m in missing[:8]) + ("等" if len(missing) > 8 else "")
    total = len(found) + len(missing)
    zh = (f"不是绩效自评表：没有表样标记，按标签也认不出——与最接近的表样 {profile.id}（{profile.name}）"
          f"只对上 {len(found)}/{total} 个标签（需 {profile.by_labels.threshold:.0%}），缺少 {shown}")
    en = (f"not a recognised self-evaluation form: no template marks, and by its labels it matches "
          f"the nearest form {profile.id} in only {len(found)} of {total} labels "
          f"(needs {profile.by_labels.threshold:.0%}); missing {', '.join(missing[:8])}")
    return zh, en


def locate(profile: Profile, pages: list[Page], share: float, found: list[str],
           missing: list[str]) -> Match:
    """Where each section of the profile stands: anchored by its heading or its sheet's name,
    else the unclaimed part of the sheets holding most of its labels."""
    secs = sections(profile)
    by_heading = {h: s.key for s in secs for h in s.headings}
    labels = all_keys(profile)
    # a section's name alone on its row (a sheet per section titled '项目概况'), unless a label
    by_name = {n: s.key for s in secs if not (s.names & labels) for n in s.names}
    anchors: dict[int, list[tuple[int, int, str]]] = {}  # page → (row, col, section)
    taken: set[str] = set()
    for page in pages:
        name = label_key(page.name)
        hits = [(0, 0, s.key) for s in secs if name and name in s.names]
        for r, c, hk in page.heads:
            key = by_heading.get(hk)
            if key is None and len(page.keys[r]) == 1:
                key = by_name.get(page.keys[r].get(c))
            if key is not None:
                hits.append((r, c, key))
        for r, c, key in sorted(hits):
            if key not in taken:
                taken.add(key)
                anchors.setdefault(page.index, []).append((r, c, key))
    areas: dict[str, Area] = {}
    spare: list[Area] = []
    for page in pages:
        marks = anchors.get(page.index, [])
        first = marks[0][0] if marks else len(page.rows)
        if first > 0:
            spare.append(Area(page, 0, first))
        for i, (r, c, key) in enumerate(marks):
            bottom = marks[i + 1][0] if i + 1 < len(marks) else len(page.rows)
            areas[key] = Area(page, r, bottom, key, (r, c))
    for s in secs:
        if s.key in areas:
            continue
        best, best_hits = None, 0
        for area in spare:
            keys = area.keys()
            hits = sum(1 for t in s.terms if t.keys & keys)
            if hits > best_hits:
                best, best_hits = area, hits
        if best is not None:
            areas[s.key] = Area(best.page, best.top, best.bottom, s.key, None)
    claimed = {(a.page.index, a.top) for a in areas.values()}
    spare = [a for a in spare if (a.page.index, a.top) not in claimed]
    return Match(profile, share, found, missing, pages, areas, spare)


# --------------------------------------------------------------------------- the template's layout


def layout_holds(profile: Profile, pages: list[Page], statics) -> bool:
    """Whether the template's own labels stand where its layout puts them (so a workbook that
    kept the template's sheet names but not its defined names can be read by position): nine
    in ten of the labels of every sheet, on sheets of the template's names."""
    by_name = {p.name: p for p in pages}
    counts: dict[str, list[int]] = {}
    for s in statics:
        key = label_key(s.text) if s.text else ""
        if not key or s.style not in ("label", "header"):
            continue
        page = by_name.get(s.sheet)
        if page is None:
            return False
        seen = counts.setdefault(s.sheet, [0, 0])
        seen[0] += 1
        seen[1] += s.row < len(page.keys) and page.keys[s.row].get(s.col) == key
    return bool(counts) and all(hits >= 0.9 * checked for checked, hits in counts.values())
