"""The data layer: URLs, engine and sessions, the embedded server, migrations."""
