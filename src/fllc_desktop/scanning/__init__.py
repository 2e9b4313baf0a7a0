"""Scan sources: keyboard-wedge timing detection, serial scanners, and the FIFO that keeps bursts whole.

Nothing in this package imports Qt; ``fllc_desktop.qt.scanner_filter`` and
``fllc_desktop.qt.serial_bridge`` connect it to the GUI.
"""
