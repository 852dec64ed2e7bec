"""Membership, transport and replicated state.

Membership and transport know replicated state only through
``cluster.state.ReplicatedState``; the notification log and silences are the
only modules here that know about labels and alerts.
"""
