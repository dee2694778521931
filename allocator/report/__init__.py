"""Report: results as workbooks, CSV, JSON, review reports and plots, each written atomically
and never over a file the user did not ask to replace."""
