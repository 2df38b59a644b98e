"""The WebSocket server: ``TTMSFNCWebSocketServer``, its connections, runtime and engine."""
