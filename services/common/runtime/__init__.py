"""The nameko/eventlet-bound half of the kernel: entrypoints and dependency providers.

Only service.py, dependencies.py and this package import nameko or eventlet; everything else stays runtime-free.
"""
