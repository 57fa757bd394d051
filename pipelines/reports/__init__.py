"""What people read: the scorecard (terminal, HTML, PNG, XLSX) and alerts."""
