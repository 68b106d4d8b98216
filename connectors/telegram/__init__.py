"""Telegram, in one package: ``channel`` (the webhook input channel, ``TelegramInput``),
``output`` (replies through the Bot API: buttons, files, retries) and ``admin`` (the operator's
Bot API calls and long polling; python-telegram-bot only, no Rasa, so the CLI stays quick).
Nothing is imported here, so ``connectors.telegram.admin`` never loads Rasa."""
