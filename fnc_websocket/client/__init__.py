"""The WebSocket client: ``TTMSFNCWebsocketClient`` (component), its connection and its worker."""
