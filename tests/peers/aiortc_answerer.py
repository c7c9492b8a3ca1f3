"""An independent WebRTC answerer for rtconsole's tests and connect bench: aiortc (PyPI),
not our code, serving the Realtime API's call endpoint on loopback.

  POST /v1/realtime/calls   body: the SDP offer (application/sdp)
  -> 201, application/sdp answer, Location: /v1/realtime/calls/rtc_<n>

It accepts the `oai-events` data channel, sends `session.created` as soon as the channel
is open, and sends an Opus audio track (a 440 Hz tone) back. The HTTP server binds
127.0.0.1 port 0 and prints `PORT <n>` on stdout once it listens; ICE is kept on
127.0.0.1 too (aioice skips loopback by default). It exits when stdin closes, so the
process that started it cannot leave it behind.

`--setup passive` makes it answer `a=setup:passive` (the DTLS server), so the offerer
is the DTLS client; by default aiortc answers `a=setup:active`.

Requires `pip install aiortc` (.ci/run installs it in a venv).
"""

import argparse
import asyncio
import fractions
import json
import math
import sys
import time

import aioice.ice
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from av import AudioFrame

# Loopback only: the tests must not send to any other address.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []

RATE = 48000
SAMPLES = 960  # 20 ms
# One second of a 440 Hz tone (a whole number of periods), s16 little-endian.
TONE = b"".join(
    int(6000 * math.sin(2 * math.pi * 440 * i / RATE)).to_bytes(2, "little", signed=True)
    for i in range(RATE)
)


class Tone(MediaStreamTrack):
    """A 440 Hz tone in 20 ms frames, paced in real time; aiortc encodes it as Opus."""

    kind = "audio"

    def __init__(self):
        super().__init__()
        self._pts = 0
        self._start = None

    async def recv(self):
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._pts / RATE
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        frame = AudioFrame(format="s16", layout="mono", samples=SAMPLES)
        at = (self._pts % RATE) * 2
        frame.planes[0].update(TONE[at : at + SAMPLES * 2])
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, RATE)
        self._pts += SAMPLES
        return frame


calls = {}
counter = 0
SETUP = "active"


def session_created(call_id):
    return json.dumps(
        {
            "type": "session.created",
            "event_id": f"event_{call_id}",
            "session": {"type": "realtime", "id": f"sess_{call_id}", "object": "realtime.session"},
        }
    )


async def answer(offer_sdp):
    global counter
    counter += 1
    call_id = f"rtc_{counter}"
    pc = RTCPeerConnection()
    calls[call_id] = pc

    @pc.on("datachannel")
    def on_datachannel(channel):
        # aiortc announces a remote channel once it is open.
        channel.send(session_created(call_id))

        @channel.on("message")
        def on_message(message):
            try:
                kind = json.loads(message).get("type", "")
            except (ValueError, AttributeError):
                kind = ""
            if kind == "ping":
                channel.send(json.dumps({"type": "pong"}))

    @pc.on("connectionstatechange")
    async def on_state():
        if pc.connectionState in ("failed", "closed"):
            calls.pop(call_id, None)
            await pc.close()

    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
    pc.addTrack(Tone())
    answer = await pc.createAnswer()
    if SETUP == "passive":
        # aiortc takes the DTLS role from the answer it applies.
        answer = RTCSessionDescription(
            sdp=answer.sdp.replace("a=setup:active", "a=setup:passive"), type="answer"
        )
    await pc.setLocalDescription(answer)
    return call_id, pc.localDescription.sdp


CORS = (
    "Access-Control-Allow-Origin: *\r\n"
    "Access-Control-Allow-Headers: authorization, content-type\r\n"
    "Access-Control-Allow-Methods: POST, OPTIONS\r\n"
    "Access-Control-Expose-Headers: Location\r\n"
)


async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            if method == "OPTIONS":
                writer.write(f"HTTP/1.1 204 No Content\r\n{CORS}Content-Length: 0\r\n\r\n".encode())
            elif method == "POST" and path.split("?")[0].rstrip("/") == "/v1/realtime/calls":
                try:
                    call_id, sdp = await answer(body.decode())
                    data = sdp.encode()
                    writer.write(
                        (
                            "HTTP/1.1 201 Created\r\n"
                            f"{CORS}Content-Type: application/sdp\r\n"
                            f"Location: /v1/realtime/calls/{call_id}\r\n"
                            f"Content-Length: {len(data)}\r\n\r\n"
                        ).encode()
                        + data
                    )
                except Exception as e:  # a bad offer is the client's fault: 400 with the reason
                    data = json.dumps({"error": {"message": str(e)}}).encode()
                    writer.write(
                        f"HTTP/1.1 400 Bad Request\r\n{CORS}Content-Type: application/json\r\n"
                        f"Content-Length: {len(data)}\r\n\r\n".encode()
                        + data
                    )
            else:
                writer.write(f"HTTP/1.1 404 Not Found\r\n{CORS}Content-Length: 0\r\n\r\n".encode())
            await writer.drain()
            if headers.get("connection", "").lower() == "close":
                break
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    loop = asyncio.get_running_loop()
    # Ends when the parent closes our stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()
    for pc in list(calls.values()):
        await pc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--setup", choices=["active", "passive"], default="active")
    SETUP = parser.parse_args().setup
    asyncio.run(main())
