"""The spreadsheet reader lives in `chalicelib.spreadsheet` (the console's upload uses it too);
the offline importers keep importing it from here."""

from chalicelib.spreadsheet import Row, TableError, cell_text, read_table, read_upload

__all__ = ["Row", "TableError", "cell_text", "read_table", "read_upload"]
