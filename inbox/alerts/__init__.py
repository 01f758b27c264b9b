"""Alerts: rules, evaluation, delivery through in-app, e-mail and webhook channels."""
