"""A real server under 16 concurrent clients: 2,000 mixed requests, no errors."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np

from .conftest import ROOT

BRIEFQA = str(Path(sys.executable).with_name("briefqa"))
MIX = [
    ("/ask", {"question": "How much illicit currency did HSI seize in 2021?"}),
    ("/ask", {"question": "Which CBP component leads Operation Sentinel?"}),
    ("/ask", {"question": "Who is the current director of ICE?"}),
    ("/search", {"query": "stash houses", "top_k": 3}),
    ("/search", {"query": "Tren de Aragua"}),
    ("/brief", {"topic": "fentanyl", "max_points": 3}),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_thousand_mixed_requests_from_sixteen_clients(index_dir):
    port = free_port()
    server = subprocess.Popen(
        [BRIEFQA, "serve", "--port", str(port), "--index", str(index_dir)], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        latencies: list[float] = []
        failures: list[str] = []
        stop_at = time.monotonic() + 240  # the test bounds its own time

        def client(offset: int) -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                for i in range(125):
                    if time.monotonic() > stop_at:
                        failures.append("time bound reached")
                        return
                    path, body = MIX[(offset + i) % len(MIX)]
                    began = time.perf_counter()
                    try:
                        status = http.post(path, json=body).status_code
                    except httpx.HTTPError as exc:
                        failures.append(repr(exc))
                        continue
                    latencies.append(time.perf_counter() - began)
                    if status != 200:
                        failures.append(f"{path} -> {status}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
    finally:
        server.terminate()
        server.wait(10)
    assert failures == []
    assert len(latencies) == 2000
    p50, p99 = np.percentile(latencies, 50) * 1000, np.percentile(latencies, 99) * 1000
    print(f"\nload: 2000 requests, 16 clients, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
