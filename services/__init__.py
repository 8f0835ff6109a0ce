"""The three services (intake, routing, notify) and the process entry points that run them."""
