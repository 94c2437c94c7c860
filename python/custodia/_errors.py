"""The exception every custodia function raises for a library error."""

from __future__ import annotations

from typing import Optional


class CustodiaError(Exception):
    """A library error with its stable code.

    ``code`` is the numeric code (the C library's status code), ``name``
    its name (such as ``UNKNOWN_FIELD``), ``field`` the field path the error
    names, if any. For a bad setting of a schema, masking policy or dedupe
    settings, ``setting`` is where it is (such as ``fields[3].kind`` or
    ``audiences.support.phone``; ``""`` for the document as a whole) and
    ``problem`` the stable name of what is wrong (such as
    ``unknown_field``); both are ``None`` for other errors. The message
    names fields and what is wrong with them, never a value.
    """

    code: int
    name: str
    field: Optional[str]
    setting: Optional[str]
    problem: Optional[str]

    def __init__(
        self,
        message: str,
        code: int,
        name: str,
        field: Optional[str] = None,
        setting: Optional[str] = None,
        problem: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.name = name
        self.field = field
        self.setting = setting
        self.problem = problem

    def __reduce__(self):  # pickles across processes (Spark executors)
        return (
            CustodiaError,
            (str(self), self.code, self.name, self.field, self.setting, self.problem),
        )
