"""List loading at the edge: the importer that streams list files into PostgreSQL."""
