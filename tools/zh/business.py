"""Strings of the business catalogue (cases) added after the first eight business types."""

ZH: dict[str, str] = {}
