"""Accounts on the client side: password stretching and session tokens in the keyring."""
