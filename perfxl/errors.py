"""Errors a user can meet, each naming the file and the cause in words a clerk understands."""

from __future__ import annotations


class PerfxlError(Exception):
    """Base of every error perfxl reports to a user (never shown as a traceback)."""

    def __init__(self, message: str, *, path: str | None = None, message_en: str | None = None):
        super().__init__(message)
        self.path = path
        self.message = message
        self.message_en = message_en or message

    def text(self, lang: str = "zh") -> str:
        msg = self.message_en if lang == "en" else self.message
        return f"{self.path}: {msg}" if self.path else msg


class UnreadableWorkbook(PerfxlError):
    """A file that cannot be read as a workbook at all (empty, truncated, encrypted, a bomb…)."""


class NotAForm(PerfxlError):
    """A readable workbook that is not a form perfxl knows (another file, profile or version)."""


class WriteError(PerfxlError):
    """A file perfxl was asked to write could not be written; the original is left whole."""
