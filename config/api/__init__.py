"""The API plumbing every app shares: base view, errors, parsers, pagination, throttles, permissions.

It imports no app: an integration key is recognised by its `is_integration_key` mark (see `caller`).
"""
