"""Pure warehouse rules: permissions, command kinds, barcodes. Nothing here imports Qt, HTTP or SQL."""
