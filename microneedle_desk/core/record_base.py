"""Equality, hash and repr for the app's dataclasses, written once instead of per class.

``@dataclass`` in Python 3.11 writes and compiles the source of each generated method for
every class (``__eq__``, ``__hash__``, ``__repr__``: ~0.5 ms a class, ~12 ms of the app's
start-up over the classes it imports). These bases behave as the generated methods do:

- equality only with an instance of the very same class, comparing the tuple of fields
  (``NotImplemented`` otherwise);
- :class:`FrozenRecord`: hash of the tuple of fields (as ``@dataclass(frozen=True)``);
  :class:`Record`: unhashable (as ``@dataclass`` with ``eq=True``);
- ``Name(field=value, ...)``, with ``...`` for a recursive reference.

Use them with ``@dataclass(eq=False, repr=False)`` (plus ``frozen=True`` as before).
"""

from __future__ import annotations

import reprlib
from dataclasses import fields
from typing import Any

_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _values(obj: Any) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in _names(obj.__class__))


class _Fields:
    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _values(self) == _values(other)

    def __hash__(self) -> int:
        return hash(_values(self))

    @reprlib.recursive_repr()
    def __repr__(self) -> str:
        cls = self.__class__
        return f"{cls.__qualname__}(" + ", ".join(
            f"{name}={getattr(self, name)!r}" for name in _names(cls)) + ")"


class Record(_Fields):
    """A mutable dataclass's ``__eq__`` and ``__repr__`` (unhashable, as the generated ones)."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]


class FrozenRecord(_Fields):
    """A frozen dataclass's ``__eq__``, ``__hash__`` and ``__repr__``."""

    __slots__ = ()
