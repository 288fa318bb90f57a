"""SpreadsheetML on top of the package: namespaces, cell references, one run's edits to the
parts (with the record that undoes them), and a sheet's cell texts read back.

The layers below: :mod:`perfxl.xmlspan` edits XML parts as text, :mod:`perfxl.opc` opens and
writes the zip.
"""

from __future__ import annotations

from lxml import etree

from .cells import col_letter, col_number, norm_range, parse_cell, range_key  # noqa: F401 (ox.parse_cell…)
from .opc import Package, digest_of, relative, rels_part
from .xmlspan import XML_DECL, Patch, Span, encoder, esc, kids, parse_xml, prefix_for, prefixed, root

# Transitional and Strict OOXML spell the same things with different URIs.
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_MAIN_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_REL_STRICT = "http://purl.oclc.org/ooxml/officeDocument/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"


# ---------------------------------------------------------------- editing a package


def free_id(used: set, stem: str) -> str:
    n = 1
    while f"{stem}{n}" in used:
        n += 1
    return f"{stem}{n}"


def free_part(pkg: Package, pattern: str) -> str:
    n = 1
    while pkg.has(pattern.format(n)):
        n += 1
    return pattern.format(n)


def rel_id_attr(data: bytes, top: Span, rel_ns: str, rid: str) -> str:
    """The ``r:id`` attribute pointing at relationship ``rid``, spelled with the prefix the part
    binds to the relationships namespace (declaring ``r`` when it binds none)."""
    rp = prefix_for(data, top, rel_ns)
    return f'{rp.decode()}id="{rid}"' if rp else f'xmlns:r="{rel_ns}" r:id="{rid}"'


def drop_rels(pkg: Package, source: str, gone: list) -> None:
    """Remove relationships of ``source`` and the parts they point to (and their types)."""
    if not gone:
        return
    name = rels_part(source)
    data = pkg.read(name)
    patch = Patch(data)
    spans = {el.get("Id"): el for el in kids(data, root(data)) if el.name == "Relationship"}
    for rel in gone:
        span = spans[rel.id]
        patch.replace(span.start, span.end, b"")
        pkg.delete(rel.target)
    if len(gone) == len(pkg.rels(source)):
        pkg.delete(name)
    else:
        pkg.write(name, patch.apply()[0])
    drop_types(pkg, [rel.target for rel in gone])


def drop_types(pkg: Package, parts: list[str]) -> None:
    data = pkg.read("[Content_Types].xml")
    patch = Patch(data)
    want = {"/" + p.lower() for p in parts}
    for el in kids(data, root(data)):
        if el.name == "Override" and el.get("PartName", "").lower() in want:
            patch.replace(el.start, el.end, b"")
    if patch.edits:
        pkg.write("[Content_Types].xml", patch.apply()[0])


class Edits:
    """One run's edits to a package: patches to existing parts (applied together, each with
    the record that undoes it), parts created, their relationships and content types."""

    def __init__(self, pkg: Package):
        self.pkg, self.patches, self.created, self.types = pkg, {}, [], []
        self.ids: dict[str, set] = {}  # relationship ids taken, per rels part
        self.vml_blocks: set | None = None  # note-shape id blocks taken (notes_add's business)

    def patch(self, part: str) -> Patch:
        if part not in self.patches:
            self.patches[part] = Patch(self.pkg.read(part))
        return self.patches[part]

    def create(self, part: str, data: bytes, content_type: str | None) -> None:
        self.pkg.write(part, data)
        self.created.append(part)
        if content_type:
            self.types.append((part, content_type))

    def relate(self, source: str, kind: str, target: str, rel_ns: str) -> str:
        """Add a relationship from ``source``; return its id."""
        name = rels_part(source)
        taken = self.ids.get(name)
        if taken is None:  # read once: a rels part this run created need not be parsed back
            taken = self.ids[name] = {r.id for r in self.pkg.rels(source)}
        rid = free_id(taken, "perfxl")
        taken.add(rid)
        xml = (f'<Relationship Id="{rid}" Type="{rel_ns}/{kind}" '
               f'Target="{esc(relative(source, target), attr=True)}"/>')
        if name in self.created:
            data = self.pkg.read(name)
            self.pkg.write(name, data.replace(b"</Relationships>", xml.encode() + b"</Relationships>"))
        elif self.pkg.has(name):
            data = self.pkg.read(name)
            top = root(data)
            self.patch(name).insert(top.close_start, encoder(data)(prefixed(xml, top.prefix)))
        else:
            self.create(name, XML_DECL + f'<Relationships xmlns="{NS_PKG_REL}">{xml}'
                        "</Relationships>".encode(), None)
        return rid

    def finish(self) -> dict:
        """Apply every patch; the state that undoes them."""
        if self.types:
            data = self.pkg.read("[Content_Types].xml")
            top = root(data)
            xml = "".join(f'<Override PartName="/{esc(p, attr=True)}" ContentType="{t}"/>'
                          for p, t in self.types)
            self.patch("[Content_Types].xml").insert(top.close_start,
                                                      encoder(data)(prefixed(xml, top.prefix)))
        parts = {}
        for part, patch in self.patches.items():
            entry = self.pkg.entry_record(part)  # how the part was stored: given back on undo
            data, undo = patch.apply()
            self.pkg.write(part, data)
            parts[part] = {"digest": digest_of(data), "undo": undo}
            if entry is not None:
                parts[part]["zip"] = entry
        # a digest of each created part too: one someone else has since written into is not
        # perfxl's alone any more (the caller's own part, written after this, has none)
        made = {part: self.pkg.digest(part) if self.pkg.has(part) else ""
                for part in self.created}
        return {"v": 3, "parts": parts, "created": made}


# ---------------------------------------------------------------- reading a sheet's text


def sheet_texts(pkg: Package, part: str, sst_part: str | None) -> dict[int, dict[int, str]]:
    """A sheet's cell texts, {row: {col: text}} (zero-based), whoever wrote it (inline or
    shared strings)."""
    tree = parse_xml(pkg.read(part), part)
    ns = f"{{{etree.QName(tree).namespace}}}"
    sst = None
    out: dict[int, dict[int, str]] = {}
    for r_index, row in enumerate(tree.iter(ns + "row")):
        r = int(row.get("r", r_index + 1)) - 1
        line = out.setdefault(r, {})
        for c_index, cell in enumerate(row.iter(ns + "c")):
            ref = parse_cell(cell.get("r", ""))
            col = ref[1] if ref else c_index
            kind = cell.get("t", "n")
            if kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(ns + "t")
                               if t.getparent().tag != ns + "rPh")
            else:
                v = cell.find(ns + "v")
                text = v.text or "" if v is not None else ""
                if kind == "s" and text:
                    sst = shared_strings(pkg, sst_part) if sst is None else sst
                    text = sst[int(text)] if int(text) < len(sst) else ""
            line[col] = text
    return out


def shared_strings(pkg: Package, part: str | None) -> list[str]:
    if not part or not pkg.has(part):
        return []
    tree = parse_xml(pkg.read(part), part)
    ns = f"{{{etree.QName(tree).namespace}}}"
    return ["".join(t.text or "" for t in si.iter(ns + "t") if t.getparent().tag != ns + "rPh")
            for si in tree.iter(ns + "si")]
