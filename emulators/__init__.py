"""Local, faithful emulators of every platform Jasette reads, for the tests and `jasette demo`.

Each module serves one platform's documented API over real HTTP (aiohttp) plus a control API
under `/_control/`. This package imports nothing of Jasette: the emulators stand for the outside
world, so they must not share the collectors' understanding of it.
"""
