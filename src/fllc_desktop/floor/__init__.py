"""The floor's logic, Qt-free: what a scan means, the ops a person's decisions become, and the views
of this user's pending ops that the scan screens show.

``fllc_desktop.floor.desk.ScanDesk`` is the scan screens' one service; ``fllc_desktop.floor.views``
holds the typed values it hands them (no outbox payload dicts reach ``ui/``). Nothing here imports
Qt, so the durability tests and the benchmarks drive the floor without an event loop. The modules
are imported on first use (they load the local store), never by ``fllc_desktop.app`` at start-up.
"""
