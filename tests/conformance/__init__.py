"""Autobahn|Testsuite conformance runs (through tools/autobahn) and the harness's own tests."""
