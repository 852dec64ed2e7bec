"""Fakes for the paging integrations' tests: the services as they answer, a TLS
intercepting proxy for hard-coded URLs, a stand-in template engine and a
reference Alertmanager runner."""
