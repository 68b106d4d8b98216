"""Youth organisations, youth workers' accounts, console sessions, login back-off."""
