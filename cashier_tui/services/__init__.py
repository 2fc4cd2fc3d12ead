"""The application services: everything screens and the command line may ask of the till.

Screens call :class:`Till` and nothing else below it: they never open a session or a socket.
Every method here may block (database, gateway), so screens call them from thread workers.
"""

from .till import Till

__all__ = ["Till"]
