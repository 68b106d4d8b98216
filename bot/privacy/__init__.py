"""Data rights: consent and notices, forget me, send me my data, retention."""
