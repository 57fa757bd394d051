"""Everything about a department's file: its bounds, CSV and workbook reading, headers, units,
periods and the templates clerks fill in."""
