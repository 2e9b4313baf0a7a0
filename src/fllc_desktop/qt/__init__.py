"""The glue to Qt: workers, the sync controller's thread, the event stream, the scanner filter."""
