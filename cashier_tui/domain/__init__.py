"""The domain: money rules, refund arithmetic, views and errors. Imports no UI, no printer."""
