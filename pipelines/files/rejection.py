"""The one error a department file can earn: a rejection worded for the clerk who sent it.

It lives on its own so that the reader (`pipelines.files.reading`) and the limits it checks first
(`pipelines.files.bounds`) can both raise it without importing each other.
"""

from __future__ import annotations


class FileRejected(Exception):
    """A file that cannot be read as the feed's template; the message is for the clerk."""

    def __init__(self, message_en: str, message_zh: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_zh = message_zh
