"""The handshake request both sides know: :class:`TTMSFNCWebSocketRequest`, the parsed HTTP
upgrade request a server received (``AConnection.HandshakeRequest``; TMS's Common unit).

Built once on the connection's thread, then only read: any thread may read it.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

__all__ = ["TTMSFNCWebSocketRequest"]


class TTMSFNCWebSocketRequest:
    """An HTTP upgrade request as the server received it (``AConnection.HandshakeRequest``).

    Header values are looked up case-insensitively in ``RawHeaders`` (``Name: value`` lines).
    ``QueryParams`` maps each query parameter to its first value.
    """

    def __init__(self, aResource: str, AHeaderList: Iterable[str] | Mapping[str, str] = ()) -> None:
        self.Resource = aResource
        if isinstance(AHeaderList, Mapping):
            lines = [f"{k}: {v}" for k, v in AHeaderList.items()]
        else:
            lines = list(AHeaderList)
        self.RawHeaders: list[str] = lines
        self.Host = self._value("Host")
        self.Origin = self._value("Origin")
        self.Connection = self._value("Connection")
        self.Upgrade = self._value("Upgrade")
        self.Protocol = self._value("Sec-WebSocket-Protocol")
        self.Version = self._value("Sec-WebSocket-Version")
        self.Extensions = self._value("Sec-WebSocket-Extensions")
        key = self._value("Sec-WebSocket-Key")
        self.Key = key if _is_websocket_key(key) else ""

    def _value(self, name: str) -> str:
        folded = name.lower()
        values = []
        for line in self.RawHeaders:
            head, sep, value = line.partition(":")
            if sep and head.strip().lower() == folded:
                values.append(value.strip())
        return ", ".join(values)

    def GetHeader(self, name: str) -> str:
        """The (comma-joined) value of header ``name``, '' when absent."""
        return self._value(name)

    @property
    def Path(self) -> str:
        """``Resource`` without its query string."""
        return urlsplit(self.Resource).path

    @property
    def QueryParams(self) -> dict[str, str]:
        """Query parameters of ``Resource`` (first value of each)."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.Resource).query,
                                             keep_blank_values=True).items()}

    def __repr__(self) -> str:
        return f"<TTMSFNCWebSocketRequest {self.Resource!r} Host={self.Host!r}>"


def _is_websocket_key(key: str) -> bool:
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        return False

