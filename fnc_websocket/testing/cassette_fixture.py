"""The ``ws_cassette`` fixture's object: record a conversation once, replay it on later runs.

The pytest plugin makes one :class:`CassetteSession` per test marked
``@pytest.mark.ws_cassette("name.json", ...)``. Which way it goes depends on ``--ws-record``:

=========  ====================================================================================
``none``   (default) replay the cassette; a missing one fails the test. Never touches the network.
``once``   record when the cassette file is missing, replay it otherwise.
``all``    record every time, replacing the file.
=========  ====================================================================================

The marker's ``record_mode=`` sets the mode of one test when the command line gives none.

Recording runs a :class:`~fnc_websocket.testing.recorder.Recorder` to the marker's ``target`` (or
``session.target`` set by the test); replaying runs
:meth:`MockWebSocketServer.from_cassette <fnc_websocket.testing.MockWebSocketServer.from_cassette>`.
Either way, the test connects its client to ``session.host``/``port``/``url``.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from fnc_websocket.testing.cassette import CassetteError
from fnc_websocket.testing.recorder import Recorder, RecorderError
from fnc_websocket.testing.replay import ReplayServer

__all__ = ["RECORD_MODES", "CassetteSession", "CassetteSetupError"]

RECORD_MODES = ("none", "once", "all")


class CassetteSetupError(Exception):
    """The session cannot record or replay; the message says why and what to do."""


class CassetteSession:
    """One test's cassette: either recording through a relay or replaying on a mock.

    ``recording`` tells which. ``host``, ``port`` and ``url`` are where the client connects;
    reading them starts the relay (recording) — set ``target`` before, unless the marker gave it.
    ``server`` is the :class:`ReplayServer` (replaying) or the :class:`Recorder` (recording).
    :meth:`finish` runs at teardown: it saves a recording, or reports what the replay missed.
    """

    def __init__(self, path: Path, record_mode: str, *, target: str | None = None,
                 match: str = "order", timing: str | float = "none",
                 ignore_fields: Collection[str] = (),
                 recorder_options: dict[str, Any] | None = None,
                 **mock_options: Any) -> None:
        if record_mode not in RECORD_MODES:
            raise CassetteSetupError(f"the record mode (--ws-record, or the marker's "
                                     f"record_mode) must be one of {', '.join(RECORD_MODES)}, "
                                     f"not {record_mode!r}")
        self.path = path
        self.record_mode = record_mode
        self.target = target
        """The real server's URL to record against (recording only)."""
        self.recording = record_mode == "all" or (record_mode == "once" and not path.exists())
        """True when this run records (the cassette is written at teardown)."""
        self._recorder_options = recorder_options or {}
        self._recorder: Recorder | None = None
        self._replay: ReplayServer | None = None
        if self.recording:
            return
        if not path.exists():
            raise CassetteSetupError(
                f"cassette {path} does not exist and --ws-record={record_mode} does not record: "
                "run the test once with --ws-record=once, with the real server reachable, to "
                "record it")
        try:
            self._replay = ReplayServer(path, match=match, timing=timing,
                                        ignore_fields=ignore_fields, **mock_options)
        except (CassetteError, ValueError, TypeError) as exc:
            raise CassetteSetupError(str(exc)) from None
        self._replay.start()

    def __repr__(self) -> str:
        how = "recording" if self.recording else "replaying"
        return f"<CassetteSession {how} {self.path}>"

    @property
    def mode(self) -> str:
        """``"record"`` or ``"replay"``."""
        return "record" if self.recording else "replay"

    @property
    def server(self) -> ReplayServer | Recorder:
        """The replaying mock, or the recording relay (started on first use)."""
        if self._replay is not None:
            return self._replay
        if self._recorder is None:
            if not self.target:
                raise CassetteSetupError(
                    f"ws_cassette is recording {self.path.name} (--ws-record={self.record_mode}) "
                    "but has no target: give the real server's URL as "
                    "@pytest.mark.ws_cassette(..., target='wss://...') or set ws_cassette.target "
                    "before connecting")
            try:
                self._recorder = Recorder(self.target, **self._recorder_options).start()
            except RecorderError as exc:
                raise CassetteSetupError(str(exc)) from None
        return self._recorder

    @property
    def host(self) -> str:
        """Address the client connects to (127.0.0.1)."""
        return self.server.host

    @property
    def port(self) -> int:
        """Port the client connects to."""
        return self.server.port

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:port/path``: where the client connects."""
        return self.server.url

    def finish(self, test_passed: bool) -> list[str]:
        """Teardown: save the recording (only if the test passed) or check the replay; stop
        everything. Returns the problems to report (empty when all went well)."""
        if self._replay is not None:
            try:
                problems = self._replay.cassette_problems()
            finally:
                self._replay.stop()
            if problems:
                return [f"replay of {self.path} did not go as recorded:", *problems]
            return []
        if self._recorder is None:
            return []
        try:
            self._recorder.stop()
        finally:
            errors = self._recorder.errors
        if errors:
            return [f"recording {self.path.name} failed, cassette not written:", *errors]
        if not test_passed:
            return [f"the test failed while recording: {self.path} was not written"]
        self._recorder.save(str(self.path))
        return []
