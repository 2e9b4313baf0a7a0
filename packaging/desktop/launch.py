"""The frozen app's entry point (PyInstaller runs a script, not a console_scripts entry)."""

from fllc_desktop.__main__ import main

raise SystemExit(main())
