"""The nameko/eventlet-bound half of the kernel: entrypoints and dependency providers.

Only service.py, dependencies.py and this package import nameko or eventlet; everything else stays runtime-free.
"""

import os

# The services fork only to exec (ansible-playbook, ssh). grpc's fork handlers are for children that go on using
# grpc. Here every playbook start ran them, or skipped them when the gRPC bridge's real threads were mid-call
# ("Other threads are currently calling into gRPC, skipping fork() handlers", dozens of times in a wave); one such
# fork came 12 ms before a call to that service failed UNAVAILABLE "Failed parsing HTTP/2". grpc's
# doc/fork_support.md: set GRPC_ENABLE_FORK_SUPPORT=false whenever a process always execs right after fork. grpc
# reads it when the process makes its first channel or server, which only this package's modules do.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
