"""The embeddable web chat: ``channel`` (the input channel and its routes) and ``static`` (the
chat page, its script and style, and the one-line widget a charity's site includes)."""
