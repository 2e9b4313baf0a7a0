"""Reports: stock valuation, low stock, movements, ageing, ABC, purchasing, sales and count variance,
each as PDF, CSV or XLSX, made in the background and kept in object storage."""
