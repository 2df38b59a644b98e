"""TMS FNC WebSocket components for Python (filled in by the client and server modules)."""
