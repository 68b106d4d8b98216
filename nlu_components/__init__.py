"""Custom Rasa graph components. These are the only Rasa-facing wrappers around ``bot``."""
