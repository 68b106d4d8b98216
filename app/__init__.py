"""The composition root: the ``navigator`` command, process supervision, the endpoint and
credential files Rasa reads, and the terminal chat. Only here are ``bot/`` (the domain),
``connectors/`` (the channels) and ``actions/`` (Rasa's actions) wired together; nothing
imports ``app`` (import-linter contracts in pyproject.toml)."""
