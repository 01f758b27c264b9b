"""The `jasette` command and the processes it starts: demo, run, web, worker and one-shot commands.

It sits on top of every other package: it wires the web app, the workers and the emulators
together; nothing imports it.
"""
