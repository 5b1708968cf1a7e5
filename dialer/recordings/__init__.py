"""Call recordings: the recorder (policy, callbacks, retention) and listening to them."""
