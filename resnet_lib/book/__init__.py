"""The book's presentation: explorers, HTML tables, styles, plots and diagrams."""
