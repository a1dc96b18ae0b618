"""IMS content packages holding QTI 3.0 items: bounded zip reading, the manifest, our metadata.

Reading refuses the whole package when it has more than MAX_ENTRIES entries, declares more than
MAX_TOTAL_BYTES uncompressed, holds an absolute or `..` path, a symbolic link or duplicate names, or when
reading an entry yields more than it declared or than the limits allow (zip bombs).

Our metadata for an item sits in its manifest resource, in our own namespace (IMS CP allows any metadata
there; QTI players ignore it):

    <resource identifier="res-SAF-0001" type="imsqti_item_xmlv3p0" href="items/SAF-0001.xml">
      <metadata>
        <qb:question xmlns:qb="urn:x-quizbank:qti-metadata:1">
          <qb:id>SAF-0001</qb:id> <qb:competency>SAF-01</qb:competency> <qb:critical>true</qb:critical>
          <qb:references><qb:value>Brady S, …</qb:value></qb:references>
        </qb:question>
      </metadata>
      <file href="items/SAF-0001.xml"/>
    </resource>

The element names are the keys of `common.METADATA_TYPES`; lists hold <qb:value> children.
"""

from __future__ import annotations

import io
import posixpath
import re
import stat
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from quizbank.domain.types import Problem

from . import MAX_IMPORT_BYTES
from .common import METADATA_TYPES
from .markup import local_name, parse_xml

CP_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
QB_NS = "urn:x-quizbank:qti-metadata:1"
ITEM_TYPE = "imsqti_item_xmlv3p0"
MANIFEST = "imsmanifest.xml"
MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 50 * 1024 * 1024
MAX_ENTRY_BYTES = MAX_IMPORT_BYTES


class PackageRefused(Exception):
    """The package as a whole is unsafe or unreadable; the message says why."""


def safe_member(name: str) -> str | None:
    """The normalised path of a zip entry or manifest href, or None when it is absolute or leaves the root."""
    name = name.replace("\\", "/")
    if not name or "\x00" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return None
    if ".." in name.split("/"):
        return None
    normal = posixpath.normpath(name)
    return None if normal.startswith("../") or normal in (".", "..") else normal


class PackageReader:
    """Reads entries of a zip package within fixed limits; every failure raises PackageRefused."""

    def __init__(self, data: bytes) -> None:
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError,
                NotImplementedError) as exc:
            raise PackageRefused(f"not a readable zip file: {exc}") from exc
        if len(infos) > MAX_ENTRIES:
            raise PackageRefused(f"the package has {len(infos)} entries; at most {MAX_ENTRIES} are accepted")
        if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
            raise PackageRefused(f"the package unpacks to more than {MAX_TOTAL_BYTES} bytes")
        self.entries: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            path = safe_member(info.filename)
            if path is None:
                raise PackageRefused(f"unsafe path in the package: {info.filename!r}")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise PackageRefused(f"symbolic link in the package: {info.filename!r}")
            if path in self.entries:
                raise PackageRefused(f"the package holds {info.filename!r} twice")
            if not info.is_dir():
                self.entries[path] = info
        self._read_total = 0

    def read(self, path: str) -> bytes | None:
        """The bytes of an entry, or None when the package has no such file."""
        info = self.entries.get(path)
        if info is None:
            return None
        if info.flag_bits & 0x1:
            raise PackageRefused(f"{path} is encrypted")
        try:
            with self._zip.open(info) as handle:
                data = handle.read(MAX_ENTRY_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
                OSError) as exc:
            raise PackageRefused(f"{path} is damaged: {exc}") from exc
        self._read_total += len(data)
        if len(data) > MAX_ENTRY_BYTES or len(data) > info.file_size or self._read_total > MAX_TOTAL_BYTES:
            raise PackageRefused(f"{path} unpacks to more than allowed (a zip bomb?)")
        return data


@dataclass(frozen=True)
class Resource:
    identifier: str
    type: str
    href: str  # normalised path inside the package, "" when unsafe or missing
    metadata: dict[str, Any] = field(default_factory=dict)


def _metadata(resource: ET.Element) -> dict[str, Any]:
    holder = next((e for e in resource.iter() if e.tag == f"{{{QB_NS}}}question"), None)
    meta: dict[str, Any] = {}
    for child in holder if holder is not None else ():
        key, kind, text = local_name(child.tag), METADATA_TYPES.get(local_name(child.tag)), child.text or ""
        if not key:
            continue
        if kind == "bool":
            meta[key] = {"true": True, "false": False}.get(text.strip(), text)
        elif kind in ("str_list", "int_list"):
            values = [v.text or "" for v in child if local_name(v.tag) == "value"]
            if kind == "int_list":
                meta[key] = [int(v) if re.fullmatch(r"\d{1,6}", v.strip()) else v for v in values]
            else:
                meta[key] = values
        else:
            meta[key] = text
    return meta


def read_manifest(text: str) -> tuple[list[Resource], list[Problem]]:
    """The resources of a manifest, with their metadata; hrefs leaving the package are reported."""
    root, problems = parse_xml(text, MANIFEST)
    if root is None:
        return [], problems
    if local_name(root.tag) != "manifest":
        return [], [Problem(f"the root element is <{local_name(root.tag)}>, not <manifest>", None, MANIFEST)]
    resources = []
    for element in root.iter():
        if local_name(element.tag) != "resource":
            continue
        href = element.get("href", "")
        path = safe_member(urllib.parse.unquote(href)) if href else None
        if href and path is None:
            problems.append(Problem(f"unsafe resource href {href!r}", None, MANIFEST))
        resources.append(Resource(element.get("identifier", ""), element.get("type", ""), path or "",
                                  _metadata(element)))
    return resources, problems


def metadata_element(meta: dict[str, Any]) -> ET.Element:
    holder = ET.Element("qb:question", {"xmlns:qb": QB_NS})
    for key, value in meta.items():
        node = ET.SubElement(holder, f"qb:{key}")
        if isinstance(value, list):
            for item in value:
                ET.SubElement(node, "qb:value").text = str(item)
        else:
            node.text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return holder


def build_manifest(resources: list[Resource]) -> bytes:
    # Written without namespaces; the root's xmlns puts the manifest elements in the IMS CP namespace.
    manifest = ET.Element("manifest", {"xmlns": CP_NS, "identifier": "quizbank-export"})
    info = ET.SubElement(manifest, ("metadata"))
    ET.SubElement(info, ("schema")).text = "QTI Package"
    ET.SubElement(info, ("schemaversion")).text = "3.0.0"
    ET.SubElement(manifest, ("organizations"))
    holder = ET.SubElement(manifest, ("resources"))
    for resource in resources:
        node = ET.SubElement(holder, ("resource"), identifier=resource.identifier, type=resource.type,
                             href=resource.href)
        if resource.metadata:
            ET.SubElement(node, ("metadata")).append(metadata_element(resource.metadata))
        ET.SubElement(node, ("file"), href=resource.href)
    ET.indent(manifest, "  ")
    body = ET.tostring(manifest, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode()


def write_zip(files: list[tuple[str, bytes]]) -> bytes:
    """A deterministic zip (fixed timestamps) of `files`, in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in files:
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()
