"""Notification integrations: one module per integration kind."""
