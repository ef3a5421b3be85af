"""What one durable write costs on a disk: 300 appends of 200 bytes to a
file, each followed by an fsync, timed (the fsync alone).

    python3 bench/chat/fsync.py PATH    (PATH: a file to create and remove)
"""

import os
import statistics
import sys
import time

path = sys.argv[1]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
times = []
try:
    for _ in range(300):
        os.write(fd, b"x" * 199 + b"\n")
        start = time.perf_counter()
        os.fsync(fd)
        times.append((time.perf_counter() - start) * 1000)
finally:
    os.close(fd)
    os.unlink(path)
times.sort()
print(
    f"fsync after a 200-byte append, 300 times: p50 {times[149]:.2f} ms, "
    f"p99 {times[296]:.2f} ms, mean {statistics.mean(times):.2f} ms"
)
