"""pytest plugin of fnc_websocket (fixtures are added by the testing-kit work)."""
