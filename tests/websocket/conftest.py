"""Shared fixtures of tests/websocket. Client fixtures (``client_*``) live in client_support."""

from client_support import client_echo, client_factory, client_raw  # noqa: F401
