"""Loopback stand-ins for the services the chat and mail integrations talk to.

* ``templates``: a tiny template engine for unit tests;
* ``chat``: Slack, Discord, Webex and Telegram as they answer (for ``Recorder``);
* ``smtp``: an aiosmtpd server that records every byte a client sends.
"""
