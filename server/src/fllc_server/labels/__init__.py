"""Label printers: ZPL print jobs checked and sent to the printers on the settings' allow-list."""
