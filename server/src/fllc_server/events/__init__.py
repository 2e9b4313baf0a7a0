"""Live events: pokes after commit, fanned out through pub/sub, sent over the WebSocket."""
