"""Shared test helpers: certificates (`certs`), a real HTTPS server on 127.0.0.1 (`tls_server`)."""
