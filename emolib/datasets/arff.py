"""A strict reader for Weka ARFF files (dense format) into pandas.

Supported: ``%`` comment lines anywhere; ``@relation``, ``@attribute`` and ``@data`` in any letter
case; attribute names bare or quoted with ``'`` or ``"`` (backslash escapes inside quotes);
attribute types ``numeric``, ``real``, ``integer`` (all read as float64), ``string``, nominal
``{a, b, 'c d'}`` (read as a pandas categorical with the declared categories) and ``date`` with an
optional Java date format (read as datetime64; ISO 8601 by default). ``?`` is a missing value.

Not supported, and reported as :class:`~emolib.core.errors.DataError`: sparse rows (``{0 1, 5 2.5}``) and
``relational`` attributes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from emolib.core.errors import DataError
from emolib.core.files import PathLike, read_lines

__all__ = ["ArffAttribute", "ArffHeader", "read_arff", "read_arff_header"]

_NUMERIC_TYPES = {"numeric", "real", "integer"}
_BARE = re.compile(r"[^\s{},]+")
_JAVA_DATE = {
    "yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S", "SSS": "%f",
    "Z": "%z", "X": "%z",
}  # fmt: skip
_JAVA_LETTERS = re.compile("|".join(sorted(_JAVA_DATE, key=len, reverse=True)))


@dataclass(frozen=True)
class ArffAttribute:
    """One ``@attribute`` declaration.

    Attributes
    ----------
    name
        Attribute name, unquoted.
    kind
        ``"numeric"`` (also for ``real`` and ``integer``), ``"string"``, ``"nominal"`` or ``"date"``.
    values
        The declared categories of a nominal attribute, else empty.
    date_format
        The strptime format of a date attribute (translated from Java), ``None`` for ISO 8601.
    line
        1-based line of the declaration.
    """

    name: str
    kind: str
    values: tuple[str, ...] = ()
    date_format: str | None = None
    line: int = 0


@dataclass(frozen=True)
class ArffHeader:
    """Everything before the data: relation name, attributes, and the line of ``@data``."""

    relation: str
    attributes: tuple[ArffAttribute, ...]
    data_line: int

    @property
    def names(self) -> list[str]:
        """Attribute names in file order."""
        return [a.name for a in self.attributes]


# --------------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------------


def _take_token(text: str) -> tuple[str, str]:
    """Split the first (possibly quoted) token off ``text``; return it unquoted and the rest.

    Raises
    ------
    ValueError
        If ``text`` is empty or a quote is not closed.
    """
    text = text.lstrip()
    if not text:
        raise ValueError("a name or value is missing")
    quote = text[0]
    if quote not in "'\"":
        match = _BARE.match(text)
        if match is None:
            raise ValueError(f"unexpected {text[0]!r}")
        return match.group(0), text[match.end() :]
    chars: list[str] = []
    i = 1
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            i += 2
        elif c == quote:
            return "".join(chars), text[i + 1 :]
        else:
            chars.append(c)
            i += 1
    raise ValueError(f"unterminated {quote} quote")


def _split_quoted(text: str) -> list[str | None]:
    """Split a comma-separated list that has quotes; ``None`` stands for an unquoted ``?``."""
    out: list[str | None] = []
    rest = text
    while True:
        rest = rest.lstrip()
        if not rest.startswith(("'", '"')):
            token, comma, rest = rest.partition(",")
            out.append(None if token.strip() == "?" else token.strip())
            if not comma:
                return out
            continue
        token, rest = _take_token(rest)
        out.append(token)
        rest = rest.lstrip()
        if not rest:
            return out
        if not rest.startswith(","):
            raise ValueError(f"expected ',' after a quoted value, found {rest[:20]!r}")
        rest = rest[1:]


def _split_values(text: str) -> list[str | None]:
    """Split one data row (or nominal value list) on commas; ``None`` for a missing ``?``."""
    if "'" in text or '"' in text:
        return _split_quoted(text)
    return [None if v == "?" else v for v in (f.strip() for f in text.split(","))]


# --------------------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------------------


def _java_date_format(java: str) -> str:
    """Translate a Java ``SimpleDateFormat`` pattern to strptime, for the common letters only.

    Quoted text (``'T'``) is literal. Raises ValueError for any other pattern letter.
    """
    out: list[str] = []
    for part in re.split(r"('[^']*')", java):
        if len(part) >= 2 and part[0] == part[-1] == "'":
            out.append(part[1:-1].replace("%", "%%"))
            continue
        translated = _JAVA_LETTERS.sub(lambda m: _JAVA_DATE[m.group(0)], part.replace("%", "%%"))
        if re.search(r"[A-Za-z]", re.sub(r"%.", "", translated)):
            raise ValueError(f"unsupported date format {java!r}")
        out.append(translated)
    return "".join(out)


def _parse_type(rest: str) -> tuple[str, tuple[str, ...], str | None]:
    """Parse the type part of an ``@attribute`` line into (kind, nominal values, date format)."""
    rest = rest.strip()
    if rest.startswith("{"):
        if not rest.endswith("}"):
            raise ValueError("nominal values must end with '}'")
        values = _split_values(rest[1:-1])
        if any(v is None or v == "" for v in values):
            raise ValueError("empty or '?' nominal value")
        return "nominal", tuple(v for v in values if v is not None), None
    word, tail = _take_token(rest) if rest else ("", "")
    kind = word.lower()
    if kind in _NUMERIC_TYPES or kind == "string":
        if tail.strip():
            raise ValueError(f"unexpected {tail.strip()!r} after type {word!r}")
        return ("numeric" if kind in _NUMERIC_TYPES else "string"), (), None
    if kind == "date":
        java = _take_token(tail)[0] if tail.strip() else None
        return "date", (), (_java_date_format(java) if java else None)
    if kind == "relational":
        raise ValueError("relational attributes are not supported")
    raise ValueError(f"unknown attribute type {word!r}" if word else "the attribute type is missing")


def _parse_attribute(path: Path, line: str, line_no: int) -> ArffAttribute:
    try:
        name, rest = _take_token(line[len("@attribute") :])
        kind, values, date_format = _parse_type(rest)
    except ValueError as exc:
        raise DataError(path, f"malformed @attribute line: {exc}", line_no) from None
    return ArffAttribute(name, kind, values, date_format, line_no)


def _parse_relation(path: Path, line: str, line_no: int) -> str:
    try:
        name, rest = _take_token(line[len("@relation") :])
    except ValueError as exc:
        raise DataError(path, f"malformed @relation line: {exc}", line_no) from None
    if rest.strip():
        raise DataError(path, f"malformed @relation line: unexpected {rest.strip()!r}", line_no)
    return name


def _header_from_lines(path: Path, lines: list[str]) -> ArffHeader:
    relation: str | None = None
    attributes: list[ArffAttribute] = []
    for i, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        keyword = line.split(None, 1)[0].lower()
        if keyword != "@relation" and relation is None:
            raise DataError(path, f"missing @relation before {line[:30]!r}", i)
        if keyword == "@relation":
            if relation is not None:
                raise DataError(path, "a second @relation line", i)
            relation = _parse_relation(path, line, i)
        elif keyword == "@attribute":
            attributes.append(_parse_attribute(path, line, i))
        elif keyword == "@data":
            if relation is None:  # unreachable: every other keyword before @relation was rejected above
                raise DataError(path, "@data before @relation", i)
            return _finish_header(path, relation, attributes, i)
        elif attributes and not line.startswith("@"):
            raise DataError(path, "missing data section: no @data line before this data row", i)
        else:
            raise DataError(path, f"unexpected line in the header: {line[:40]!r}", i)
    if relation is None:
        raise DataError(path, "missing @relation (empty file?)")
    raise DataError(path, "missing data section (no @data line)")


def _finish_header(path: Path, relation: str, attributes: list[ArffAttribute], line: int) -> ArffHeader:
    if not attributes:
        raise DataError(path, "no @attribute before @data", line)
    seen: dict[str, int] = {}
    for a in attributes:
        if a.name in seen:
            message = f"attribute {a.name!r} declared twice (first on line {seen[a.name]})"
            raise DataError(path, message, a.line)
        seen[a.name] = a.line
    return ArffHeader(relation, tuple(attributes), line)


def read_arff_header(path: PathLike) -> ArffHeader:
    """Read only the header of an ARFF file (relation, attributes) without converting any data.

    Parameters
    ----------
    path
        The ARFF file.

    Returns
    -------
    ArffHeader
        Relation name, attribute declarations in file order, and the line of ``@data``.

    Raises
    ------
    DataError
        With the line: missing ``@relation``, malformed ``@attribute`` line, unknown type, an
        attribute declared twice, an unexpected header line, or no ``@data`` line.
    """
    p = Path(path)
    return _header_from_lines(p, read_lines(p))


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------

Converter = Callable[[str, int], object]


def _converter(path: Path, attr: ArffAttribute) -> Converter:
    """A function turning one non-missing raw value (and its line) into a Python value."""

    def numeric(value: str, line: int) -> float:
        try:
            return float(value)
        except ValueError:
            message = f"non-numeric value {value!r} in numeric attribute {attr.name!r}"
            raise DataError(path, message, line) from None

    def nominal(value: str, line: int) -> str:
        if value not in attr.values:
            message = f"value {value!r} is not declared for nominal attribute {attr.name!r}"
            raise DataError(path, message, line)
        return value

    def date(value: str, line: int) -> datetime:
        try:
            if attr.date_format is None:
                return datetime.fromisoformat(value)
            return datetime.strptime(value, attr.date_format)
        except ValueError:
            raise DataError(path, f"bad date {value!r} for attribute {attr.name!r}", line) from None

    def string(value: str, line: int) -> str:
        return value

    return {"numeric": numeric, "nominal": nominal, "date": date, "string": string}[attr.kind]


def _column(attr: ArffAttribute, values: list[object]) -> pd.Series | np.ndarray | pd.Categorical:
    if attr.kind == "numeric":
        return np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    if attr.kind == "nominal":
        return pd.Categorical(values, categories=list(attr.values))
    if attr.kind == "date":
        return pd.Series(pd.to_datetime(values))
    return pd.Series(values, dtype=object)


def _selection(path: Path, header: ArffHeader, columns: Sequence[str] | None) -> list[int]:
    names = header.names
    if columns is None:
        return list(range(len(names)))
    if isinstance(columns, str):
        raise TypeError("columns must be a sequence of names, not a single string")
    if len(set(columns)) != len(columns):
        raise ValueError(f"columns lists a name twice: {list(columns)}")
    index = {name: i for i, name in enumerate(names)}
    missing = [c for c in columns if c not in index]
    if missing:
        raise DataError(path, f"no attribute named {', '.join(map(repr, missing))}")
    return [index[c] for c in columns]


def _split_row(path: Path, line: str, line_no: int, width: int) -> list[str | None]:
    if line.startswith("{"):
        raise DataError(path, "sparse ARFF rows are not supported", line_no)
    try:
        values = _split_values(line)
    except ValueError as exc:
        raise DataError(path, f"malformed data row: {exc}", line_no) from None
    if len(values) != width:
        raise DataError(path, f"expected {width} values, found {len(values)}", line_no)
    return values


def read_arff(path: PathLike, columns: Sequence[str] | None = None) -> tuple[str, pd.DataFrame]:
    """Read a dense ARFF file into a DataFrame.

    Parameters
    ----------
    path
        The ARFF file.
    columns
        Attribute names to keep, in the order wanted. ``None`` keeps every attribute. Every row
        is still checked for its number of values, but only the kept columns are converted and
        validated, so hundreds of unused attributes cost little.

    Returns
    -------
    tuple of (str, pandas.DataFrame)
        The relation name and one row per data line. Numeric attributes are float64 with NaN for
        ``?``; nominal ones are categorical; strings are objects with ``None`` for ``?``; dates
        are datetime64 with NaT for ``?``.

    Raises
    ------
    DataError
        With the line: header problems (see :func:`read_arff_header`), a data row with the wrong
        number of values or an unclosed quote, a sparse row, a non-numeric value in a numeric
        column, an undeclared nominal value, a bad date; without a line, a requested column that
        does not exist.
    """
    p = Path(path)
    lines = read_lines(p)
    header = _header_from_lines(p, lines)
    keep = _selection(p, header, columns)
    attrs = [header.attributes[j] for j in keep]
    convert = [_converter(p, a) for a in attrs]
    data: list[list[object]] = [[] for _ in keep]
    width = len(header.attributes)
    for line_no in range(header.data_line + 1, len(lines) + 1):
        line = lines[line_no - 1].strip()
        if not line or line.startswith("%"):
            continue
        values = _split_row(p, line, line_no, width)
        for out, j, conv in zip(data, keep, convert, strict=True):
            raw = values[j]
            out.append(None if raw is None else conv(raw, line_no))
    frame = pd.DataFrame({a.name: _column(a, col) for a, col in zip(attrs, data, strict=True)})
    return header.relation, frame
