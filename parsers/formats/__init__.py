"""Format-level extraction (HTML, PDF): bytes in, normalized text and sections out, no agency knowledge."""
