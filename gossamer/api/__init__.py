"""Alertmanager's HTTP API v2 and management endpoints, as a framework-free ASGI app."""
