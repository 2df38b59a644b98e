"""The client's ``Proxy`` property (sgcWebSockets' names) and what websocket-client makes of it.

``Proxy.Enabled`` sends the connection through ``Host:Port``: an HTTP proxy with ``CONNECT``
(``pxyHTTP``, basic authentication with ``Username``/``Password``), or a SOCKS4, SOCKS4A or SOCKS5
proxy (``pxySocks4``, ``pxySocks4A``, ``pxySocks5``; these need the ``python-socks`` package, the
``socks`` extra). websocket-client connects to the proxy, opens the tunnel and wraps TLS.
Environment proxy variables (``http_proxy``, ``https_proxy``, ``no_proxy``) are used only when
``Proxy.FromEnvironment`` is True and ``Proxy.Enabled`` is False. Values are checked lazily, at
``Connect``, with every other property. A failure is an ``OnError`` cause naming the proxy:
:class:`EWebSocketClientProxyConnectError` (the proxy cannot be reached),
:class:`EWebSocketClientProxyAuthError` (credentials refused),
:class:`EWebSocketClientProxyTunnelError` (the proxy refused the tunnel; ``StatusCode`` is its
HTTP status, 0 for SOCKS).
"""

from __future__ import annotations

import enum
import importlib.util
import re
from typing import Any

import attrs

from fnc.component import TNestedPersistent
from fnc.properties import Property, in_range
from fnc_websocket.errors import (
    EWebSocketClient,
    EWebSocketClientProxyAuthError,
    EWebSocketClientProxyConnectError,
    EWebSocketClientProxyTunnelError,
    EWebSocketClientTimeout,
)

__all__ = ["ProxySettings", "TProxy", "TProxyType", "proxy_error", "proxy_options",
           "pxyHTTP", "pxySocks4", "pxySocks4A", "pxySocks5"]


class TProxyType(enum.Enum):
    """How ``Proxy`` talks to the proxy server."""

    pxyHTTP = 0
    """An HTTP proxy, tunnel opened with ``CONNECT host:port``."""
    pxySocks4 = 1
    """SOCKS4: the client resolves ``HostName``."""
    pxySocks4A = 2
    """SOCKS4A: the proxy resolves ``HostName``."""
    pxySocks5 = 3
    """SOCKS5 (username/password authentication when ``Username`` is set); the proxy resolves
    ``HostName``."""


pxyHTTP = TProxyType.pxyHTTP
pxySocks4 = TProxyType.pxySocks4
pxySocks4A = TProxyType.pxySocks4A
pxySocks5 = TProxyType.pxySocks5

_WS_CLIENT_TYPE = {pxyHTTP: "http", pxySocks4: "socks4", pxySocks4A: "socks4a",
                   pxySocks5: "socks5h"}
_SOCKS_EXTRA = ("needs the python-socks package: install the socks extra "
                "(pip install 'fnc-websocket[socks]')")


def _no_line_breaks(_obj: Any, value: str) -> str | None:
    return "must not contain line breaks" if "\r" in value or "\n" in value else None


class TProxy(TNestedPersistent):
    """Connect through a proxy (added beyond TMS; sgcWebSockets' names). See the module
    docstring; every property is streamed in form files and read at ``Connect``."""

    Enabled = Property(bool, False, doc="Connect through the proxy Host:Port.")
    Host = Property(str, "", validator=_no_line_breaks, doc="Proxy host name or IP address.")
    Port = Property(int, 8080, validator=in_range(1, 65535), doc="Proxy port.")
    Username = Property(str, "", validator=_no_line_breaks,
                        doc="User name for the proxy ('' = no authentication).")
    Password = Property(str, "", validator=_no_line_breaks, doc="Password for the proxy.")
    ProxyType = Property(TProxyType, pxyHTTP, doc="pxyHTTP (CONNECT), pxySocks4, pxySocks4A "
                                                  "or pxySocks5.")
    FromEnvironment = Property(bool, False, doc=(
        "Use the http_proxy/https_proxy/no_proxy environment variables when Enabled is False "
        "(off by default: no surprise proxying)."))

    def fnc_collect_problems(self, prefix: str, problems: list[tuple[str, str]]) -> None:
        super().fnc_collect_problems(prefix, problems)
        if not self.Enabled:
            return
        if not self.Host.strip():
            problems.append((prefix + "Host", "must be set when Proxy.Enabled is True"))
        if self.Password and not self.Username:
            problems.append((prefix + "Password", "set without Username"))
        if self.ProxyType in (pxySocks4, pxySocks4A) and self.Password:
            problems.append((prefix + "Password", "SOCKS4 has no password (only a user id)"))
        if self.ProxyType is not pxyHTTP and importlib.util.find_spec("python_socks") is None:
            problems.append((prefix + "ProxyType", f"{self.ProxyType.name} {_SOCKS_EXTRA}"))

    def settings(self) -> ProxySettings | None:
        """The values ``Connect`` captures (None when not Enabled)."""
        if not self.Enabled:
            return None
        return ProxySettings(self.Host.strip(), self.Port, self.Username, self.Password,
                             self.ProxyType)


@attrs.frozen
class ProxySettings:
    """The proxy of one connection attempt."""

    host: str
    port: int
    username: str
    password: str
    type: TProxyType

    def describe(self) -> str:
        kind = {pxyHTTP: "HTTP", pxySocks4: "SOCKS4", pxySocks4A: "SOCKS4A",
                pxySocks5: "SOCKS5"}[self.type]
        return f"{kind} proxy {self.host}:{self.port}"


def proxy_options(proxy: ProxySettings, timeout: float) -> dict[str, Any]:
    """websocket-client ``connect`` options for ``proxy``."""
    options: dict[str, Any] = {
        "http_proxy_host": proxy.host, "http_proxy_port": proxy.port,
        "proxy_type": _WS_CLIENT_TYPE[proxy.type], "http_proxy_timeout": timeout,
    }
    if proxy.username:
        options["http_proxy_auth"] = (proxy.username, proxy.password)
    return options


_STATUS = re.compile(r"status:? (\d{3})")


def proxy_error(exc: BaseException, proxy: ProxySettings | None, host: str, port: int,
                timeout: float) -> EWebSocketClient:
    """The ``OnError`` cause for ``exc``, raised while reaching ``host:port`` through ``proxy``
    (None: a proxy from the environment)."""
    where = proxy.describe() if proxy is not None else "the environment's proxy"
    target = f"{host}:{port}"
    text = str(exc)
    name = type(exc).__name__
    if isinstance(exc, TimeoutError) or name in ("ProxyTimeoutError",
                                                 "WebSocketTimeoutException"):
        return EWebSocketClientTimeout(
            f"{where} did not open the tunnel to {target} within the connect timeout "
            f"({round(timeout * 1000)} ms, ConnectTimeout)")
    # python-socks wraps a failed connect to the proxy (ProxyConnectionError); a bare OSError is
    # a failed connect for websocket-client's HTTP proxy, a reset during SOCKS negotiation.
    socks = proxy is not None and proxy.type is not pxyHTTP
    if name == "ProxyConnectionError" or (isinstance(exc, OSError) and not socks
                                          and name != "ProxyError"):
        reason = getattr(exc, "strerror", None) or text
        return EWebSocketClientProxyConnectError(
            f"cannot connect to the {where}: {reason}", 0, where)
    match = _STATUS.search(text)
    if match is not None:
        status = int(match.group(1))
        if status == 407:
            return EWebSocketClientProxyAuthError(
                f"the {where} refused the credentials (HTTP 407 Proxy Authentication "
                "Required): check Proxy.Username and Proxy.Password", status, where)
        return EWebSocketClientProxyTunnelError(
            f"the {where} refused the tunnel to {target} (HTTP {status})", status, where)
    lowered = text.lower()
    if "authentication" in lowered or "auth" in lowered:
        return EWebSocketClientProxyAuthError(
            f"the {where} refused the credentials ({text}): check Proxy.Username and "
            "Proxy.Password", 0, where)
    if name == "ProxyError":
        hint = ""
        if proxy is not None and proxy.username and "closed" in lowered:
            hint = "; if it needs credentials, check Proxy.Username and Proxy.Password"
        return EWebSocketClientProxyTunnelError(
            f"the {where} refused the tunnel to {target} ({text}){hint}", 0, where)
    return EWebSocketClientProxyTunnelError(
        f"the tunnel through the {where} to {target} failed: {text or name}", 0, where)
