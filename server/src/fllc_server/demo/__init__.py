"""Realistic demo data: `fllc-server seed-demo`."""
