"""The scoring edge: training rows from the call history, stored models, the retrain job,
the learned hopper order written to `campaign_numbers`, and the account score API."""
