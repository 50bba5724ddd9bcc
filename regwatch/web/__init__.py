"""The history web view: `regwatch serve` (Flask app, pages, JSON API, Atom, search index)."""
