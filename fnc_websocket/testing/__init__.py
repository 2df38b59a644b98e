"""Testing kit: mock WebSocket servers and the pytest plugin."""
