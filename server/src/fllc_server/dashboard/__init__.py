"""The managers' dashboard: stock, reorder, purchasing and movement figures in one cached answer."""
