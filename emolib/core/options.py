"""Values of command line options: ``NAME=VALUE`` pairs, JSON values, and the error a bad choice raises.

The commands of ``python -m emolib`` (:mod:`emolib.runs.cli`) take settings such as ``--set epochs=30`` or
``--param colour-motion.cut_threshold=0.4``; this module splits and decodes them. A malformed pair
is a :class:`~emolib.core.errors.DataError` naming the offending text; a choice that is well formed but
cannot work (an extractor of the wrong modality, say) is a :class:`UsageError`. The command line
reports both as ``error: ...`` with exit status 2.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from emolib.core.errors import DataError

__all__ = ["UsageError", "key_values", "parse_value"]


class UsageError(ValueError):
    """Options that cannot be carried out as given; the command line exits with status 2."""


def key_values(items: Sequence[str] | None, what: str) -> list[tuple[str, str]]:
    """Split ``KEY=VALUE`` items at their first ``=``.

    Parameters
    ----------
    items
        The option's values (``None`` when the option was not given).
    what
        The expected form, for the error message (e.g. ``"NAME=VALUE"``).

    Returns
    -------
    list of tuple of str
        ``(key, value)`` in the order given.

    Raises
    ------
    DataError
        If an item has no ``=``, or an empty key or value; the error names the item.

    Examples
    --------
    >>> key_values(["epochs=30", "grid=a=b"], "NAME=VALUE")
    [('epochs', '30'), ('grid', 'a=b')]
    """
    pairs = []
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise DataError(item, f"expected {what}")
        pairs.append((key, value))
    return pairs


def parse_value(text: str) -> object:
    """A parameter value: JSON if it parses (numbers, booleans, lists), else the string itself.

    Examples
    --------
    >>> parse_value("30"), parse_value("[1, 2]"), parse_value("false"), parse_value("audio")
    (30, [1, 2], False, 'audio')
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
