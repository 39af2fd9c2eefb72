"""Linked government platforms (issue 4): licence-check share codes, consent records chained by
hash, and the citizen's view of who read their data."""
